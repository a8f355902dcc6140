import { legacyMessageSchema, outboundMessageSchema } from "./messages";

describe("agent message schemas", () => {
  test("an attachment URL passes exactly as CXone sent it (not normalised)", () => {
    const url = "HTTPS://Files.Example.com/a%20b/Report.PDF?x=1";
    const parsed = legacyMessageSchema.parse({ id: 42, attachments: [{ url }], extra: { kept: true } });
    expect(parsed.attachments?.[0].url).toBe(url);
    expect(parsed.id).toBe("42");
    expect((parsed as Record<string, unknown>).extra).toEqual({ kept: true });
  });

  test("nulls become absent, and bad values are refused with their path", () => {
    expect(legacyMessageSchema.parse({ id: null, content: null, authorUser: { nickname: null } })).toEqual({
      authorUser: {},
    });
    const cases: [unknown, string][] = [
      [{ id: 1.5 }, "id"],
      [{ id: "" }, "id"],
      [{ attachments: [{ url: "not a url" }] }, "attachments.0.url"],
      [{ attachments: [{ url: "ftp://example.com/x" }] }, "attachments.0.url"],
      [{ messageContent: { payload: { text: 5 } } }, "messageContent.payload.text"],
    ];
    for (const [body, path] of cases) {
      const result = legacyMessageSchema.safeParse(body);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0].path.join(".")).toBe(path);
    }
    expect(outboundMessageSchema.safeParse({ content: "hi" }).success).toBe(false);
  });
});

import { serializeQuery } from "./transport";

describe("query strings as CXone names its parameters", () => {
  test("array filters keep their brackets and repeat per value; values are encoded, undefined left out", () => {
    expect(
      serializeQuery({
        "channel[]": ["chat_a b"],
        "status[]": ["new", "open"],
        scrollToken: undefined,
        sorting: "updatedAt",
        query: "status IN (new)&x",
      }),
    ).toBe("channel[]=chat_a%20b&status[]=new&status[]=open&sorting=updatedAt&query=status%20IN%20(new)%26x");
  });

  test("a key with other reserved characters is encoded, an empty params object gives no query", () => {
    expect(serializeQuery({ "a&b": "1" })).toBe("a%26b=1");
    expect(serializeQuery({})).toBe("");
    expect(serializeQuery(undefined)).toBe("");
  });
});

import { redact } from "./boundary-log";

/** The boundary log shows bodies as they crossed, minus anything secret. */

describe("redacting what the boundary log shows", () => {
  it("hides credential-named fields at any depth and cuts known secrets out of every string", () => {
    const secret = "s3cr3t-value-0123456789";
    const shown = redact(
      {
        grant_type: "client_credentials",
        client_secret: secret,
        nested: [{ Authorization: "Bearer abc", accessKeySecret: "x", access_key: "y", text: `token is ${secret}!` }],
        path: `/notify/${secret}`,
        count: 3,
      },
      [secret],
    );
    expect(shown).toEqual({
      grant_type: "client_credentials",
      client_secret: "[hidden]",
      nested: [
        { Authorization: "[hidden]", accessKeySecret: "[hidden]", access_key: "[hidden]", text: "token is [hidden]!" },
      ],
      path: "/notify/[hidden]",
      count: 3,
    });
  });
});

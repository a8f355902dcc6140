import { parseConnection } from "./config";
import { GLOBAL_AUTH_HOST } from "./connection-fields";
import { CxoneConfigError } from "./errors";

const valid = {
  authHost: "",
  clientId: "client",
  clientSecret: "client-secret-value",
  accessKeyId: "KEYID==",
  accessKeySecret: "key-secret-value",
  channelId: "chat_123",
};

function errorOf(raw: unknown): CxoneConfigError {
  try {
    parseConnection(raw);
  } catch (err) {
    return err as CxoneConfigError;
  }
  throw new Error("expected a config error");
}

test("an empty auth host means the global CXone host", () => {
  expect(parseConnection(valid).authHost).toBe(GLOBAL_AUTH_HOST);
  expect(parseConnection({ ...valid, authHost: "https://cxone.eu1.niceincontact.com/" }).authHost).toBe(
    "https://cxone.eu1.niceincontact.com",
  );
});

test.each([
  ["clientId", { ...valid, clientId: "" }, /clientId: is empty/],
  ["accessKeySecret", { ...valid, accessKeySecret: undefined }, /accessKeySecret: is missing/],
  ["channelId", { ...valid, channelId: "   " }, /channelId: is empty: the id of the BYOC channel/],
  ["authHost", { ...valid, authHost: "not a url" }, /authHost: must be a URL/],
  ["authHost", { ...valid, authHost: "http://cxone.example.com" }, /authHost: must start with https/],
  ["dfoBaseUrl", { ...valid, dfoBaseUrl: "http://10.0.0.1" }, /dfoBaseUrl: must start with https/],
])("a bad %s is named with what to fix", (field, raw, message) => {
  const err = errorOf(raw);
  expect(err).toBeInstanceOf(CxoneConfigError);
  expect(err.field).toBe(field);
  expect(err.message).toMatch(message);
});

test("plain http is accepted only on loopback", () => {
  expect(parseConnection({ ...valid, authHost: "http://127.0.0.1:9999" }).authHost).toBe("http://127.0.0.1:9999");
  expect(parseConnection({ ...valid, authHost: "http://localhost:9999" }).authHost).toBe("http://localhost:9999");
});

test("no connection selected is a clear error", () => {
  expect(errorOf(undefined).message).toBe("connection: no NiCE CXone connection is selected in the node");
});

test("secrets never appear in config errors", () => {
  const err = errorOf({ ...valid, clientSecret: 12345678, authHost: "ftp://x" });
  expect(err.message).not.toContain("12345678");
  expect(err.message).not.toContain("key-secret-value");
});

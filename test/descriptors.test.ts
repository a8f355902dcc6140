import type { INodeDescriptor } from "@cognigy/extension-tools";
import extension from "../src/module";

/** extension-tools validates nothing at run time and Cognigy only complains on upload: these invariants do it here. */

const FIELD_TYPES = [
  "text",
  "rule",
  "json",
  "checkbox",
  "time",
  "date",
  "datetime",
  "select",
  "typescript",
  "xml",
  "textArray",
  "chipInput",
  "cognigyText",
  "toggle",
  "slider",
  "number",
  "daterange",
  "connection",
  "say",
  "condition",
];

const nodes = extension.nodes as INodeDescriptor[];
const parents = nodes.filter((n) => !n.parentType);
const label = (v: unknown) => (typeof v === "string" ? v : (v as { default?: string })?.default);

test("the extension has a label, the connection and parent nodes", () => {
  expect(extension.options.label).toBeTruthy();
  expect(extension.connections.map((c) => c.type)).toEqual(["nice-cxone"]);
  expect(parents.length).toBeGreaterThan(0);
});

test("node types are unique", () => {
  const types = nodes.map((n) => n.type);
  expect(new Set(types).size).toBe(types.length);
});

describe.each(parents.map((n) => [n.type, n] as const))("%s", (_type, node) => {
  const fields = node.fields ?? [];
  const sections = node.sections ?? [];
  const form = node.form ?? [];

  test("has a label, summary, colour and a function", () => {
    expect(label(node.defaultLabel)).toBeTruthy();
    expect(label(node.summary)).toBeTruthy();
    expect(node.appearance.color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(typeof node.function).toBe("function");
  });

  test("every field has a known type and a label, and is reachable from the form", () => {
    const inSections = new Set(sections.flatMap((s) => s.fields));
    const inForm = new Set(form.filter((f) => f.type === "field").map((f) => f.key));
    for (const field of fields) {
      expect(FIELD_TYPES).toContain(field.type);
      expect(label(field.label)).toBeTruthy();
      expect(inForm.has(field.key) || inSections.has(field.key)).toBe(true);
    }
    const formSections = new Set(form.filter((f) => f.type === "section").map((f) => f.key));
    for (const section of sections) expect(formSections.has(section.key)).toBe(true);
  });

  test("the form and sections point only at real fields and sections", () => {
    const keys = new Set(fields.map((f) => f.key));
    const sectionKeys = new Set(sections.map((s) => s.key));
    for (const entry of form)
      expect(entry.type === "field" ? keys.has(entry.key) : sectionKeys.has(entry.key)).toBe(true);
    for (const section of sections) for (const key of section.fields) expect(keys.has(key)).toBe(true);
    expect(new Set(fields.map((f) => f.key)).size).toBe(fields.length);
  });

  test("has a connection field of a declared connection type", () => {
    const connection = fields.find((f) => f.type === "connection");
    expect(connection).toBeDefined();
    const params = connection!.params as { connectionType: string };
    expect(extension.connections.map((c) => c.type)).toContain(params.connectionType);
  });

  test("selects have options that include their default", () => {
    for (const field of fields.filter((f) => f.type === "select")) {
      const options = (field.params as { options: { value: unknown }[] }).options;
      expect(options.length).toBeGreaterThan(0);
      if (field.defaultValue !== undefined) expect(options.map((o) => o.value)).toContain(field.defaultValue);
    }
  });

  test("conditions refer to existing fields", () => {
    const keys = new Set(fields.map((f) => f.key));
    const walk = (c: unknown): void => {
      if (!c || typeof c !== "object") return;
      const cond = c as { key?: string; and?: unknown[]; or?: unknown[] };
      if (cond.key) expect(keys.has(cond.key)).toBe(true);
      for (const inner of [...(cond.and ?? []), ...(cond.or ?? [])]) walk(inner);
    };
    for (const f of fields) walk(f.condition);
    for (const s of sections) walk(s.condition);
  });

  test("a preview key names a field", () => {
    if (node.preview) expect(fields.map((f) => f.key)).toContain(node.preview.key);
  });

  test("branches to declared child nodes, OnSuccess-or-outcomes plus OnError", () => {
    const children = node.dependencies?.children ?? [];
    expect(children).toContain(`${node.type}OnError`);
    for (const child of children) {
      const descriptor = nodes.find((n) => n.type === child);
      expect(descriptor?.parentType).toBe(node.type);
      expect(descriptor?.appearance.variant).toBe("mini");
      expect(child.startsWith(node.type) && /On[A-Z]\w*$/.test(child)).toBe(true);
    }
  });
});

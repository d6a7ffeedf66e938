// Unknown fields in Kubernetes objects: kubernetes-models' ajv validators
// check types and required fields but let a misspelled field through (the API
// server, with kubectl's default strict validation, rejects it). The models'
// type declarations (.d.ts) list every field of every type, so this walks an
// object along them and reports the fields a type does not have.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const nodeModules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");
const parsed = new Map();  // .d.ts path -> {fields, imports} or null (no interface)

function resolveDeclaration(specifier, fromFile) {
  let path = specifier.startsWith(".") ? resolve(dirname(fromFile), specifier)
                                       : join(nodeModules, specifier);
  path = path.replace(/\.js$/, "");
  for (const candidate of [path + ".d.ts", join(path, "index.d.ts")]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`strict_fields: no declaration for ${specifier} (from ${fromFile})`);
}

// The first interface of a model's .d.ts: its fields, each with the model
// file of its type when that type is another model (or an array of one).
function parseDeclaration(file) {
  if (parsed.has(file)) return parsed.get(file);
  const text = readFileSync(file, "utf8");
  const imports = new Map();
  for (const match of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
    for (const name of match[1].split(",")) imports.set(name.trim(), match[2]);
  }
  const start = text.search(/^export interface I\w+/m);
  if (start < 0) {
    parsed.set(file, null);  // a type alias (Quantity, IntOrString, ...): any value
    return null;
  }
  const header = text.slice(start, text.indexOf("{", start));
  const body = text.slice(text.indexOf("{", start) + 1, text.indexOf("\n}", start));
  const fields = new Map();
  if (/extends TypeMeta/.test(header)) {
    fields.set("apiVersion", null);
    fields.set("kind", null);
  }
  for (const match of body.matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm)) {
    const type = match[2].replace(/;$/, "").trim();
    const model = /^(?:Array<)?(I\w+)>?$/.exec(type);
    const specifier = model && imports.get(model[1]);
    fields.set(match[1], specifier ? { file: resolveDeclaration(specifier, file) } : null);
  }
  const result = { fields };
  parsed.set(file, result);
  return result;
}

// The unknown fields of `value` as a model of `specifier` (e.g.
// "kubernetes-models/apps/v1/Deployment"), as "path: unknown field NAME".
export function unknownFields(value, specifier) {
  const errors = [];
  walk(value, resolveDeclaration(specifier, nodeModules), "", errors);
  return errors;
}

function walk(value, file, path, errors) {
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, file, `${path}/${index}`, errors));
    return;
  }
  if (value === null || typeof value !== "object") return;
  const declaration = parseDeclaration(file);
  if (declaration === null) return;
  for (const [name, child] of Object.entries(value)) {
    if (!declaration.fields.has(name)) {
      errors.push(`${path || "/"}: unknown field "${name}"`);
      continue;
    }
    const type = declaration.fields.get(name);
    if (type) walk(child, type.file, `${path}/${name}`, errors);
  }
}

// The typed API client's types, from the services' OpenAPI documents (web/openapi/*.json,
// dumped from the FastAPI apps by `python -m embedded.webclient openapi`).
import fs from "node:fs";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const source = path.join(root, "openapi");
const target = path.join(root, "src", "api", "generated");
const services = ["auth", "journal", "messaging", "reporting", "archive"];

// A `$ref` to a schema the document does not hold (a hand-written request body naming a
// model FastAPI never registered) would stop openapi-typescript and with it the build and
// `./school up`: it becomes `unknown` here, named in a warning, and a client using that
// body gets no type for it until the service's document is mended.
function mendDanglingRefs(document, service) {
  const schemas = document.components?.schemas ?? {};
  const walk = (node, where) => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${where}/${i}`));
    if (!node || typeof node !== "object") return;
    const ref = node.$ref;
    if (typeof ref === "string" && ref.startsWith("#/components/schemas/") && !(ref.slice(21) in schemas)) {
      console.warn(`warning: ${service}'s OpenAPI document names ${ref}, which it does not define (at ${where}); typed as unknown`);
      delete node.$ref;
    }
    for (const [key, value] of Object.entries(node)) walk(value, `${where}/${key}`);
  };
  walk(document, "#");
  return document;
}

fs.mkdirSync(target, { recursive: true });
for (const service of services) {
  const file = path.join(source, `${service}.json`);
  if (!fs.existsSync(file)) {
    console.error(`${file} is missing: run ./school python -m embedded.webclient openapi`);
    process.exit(1);
  }
  const ast = await openapiTS(mendDanglingRefs(JSON.parse(fs.readFileSync(file, "utf8")), service));
  const text = `// Generated from openapi/${service}.json by scripts/gen-api.mjs; do not edit.\n${astToString(ast)}`;
  const out = path.join(target, `${service}.ts`);
  if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) fs.writeFileSync(out, text);
}

// Canonicalize JSON documents with jsonld.js (safe mode, RDFC-1.0), one per input line.
//
// Used by tests/core/test_canonicalize_jsonld_js.py to check Credstack's canonical
// N-Quads against the JavaScript reference byte for byte. argv[2]: node_modules folder
// holding `jsonld`; argv[3]: a folder of context files with a manifest.json
// ({contexts: [{url, file}]}). Extra contexts may come as {"url": ..., "document": ...}
// lines of the form {"context": {...}} before the documents. Output: one JSON line per
// document, {"nquads": "..."} or {"error": "..."}. Never fetches anything.
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {createInterface} from 'node:readline';

const require = createRequire(join(resolve(process.argv[2]), 'noop.js'));
const jsonld = require('jsonld');
const contextsDir = process.argv[3];
const manifest = JSON.parse(readFileSync(join(contextsDir, 'manifest.json'), 'utf8'));
const contexts = new Map();
for(const entry of manifest.contexts) {
  contexts.set(entry.url, JSON.parse(readFileSync(join(contextsDir, entry.file), 'utf8')));
}

const documentLoader = async url => {
  if(!contexts.has(url)) {
    throw new Error(`unknown context ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
};

const lines = createInterface({input: process.stdin, crlfDelay: Infinity});
for await (const line of lines) {
  if(!line.trim()) {
    continue;
  }
  const input = JSON.parse(line);
  if(input.context) {
    contexts.set(input.context.url, input.context.document);
    continue;
  }
  try {
    const nquads = await jsonld.canonize(input, {
      algorithm: 'RDFC-1.0',
      format: 'application/n-quads',
      documentLoader,
      safe: true,
      rdfDirection: 'i18n-datatype'
    });
    process.stdout.write(JSON.stringify({nquads}) + '\n');
  } catch(e) {
    process.stdout.write(JSON.stringify({error: String(e && e.message || e)}) + '\n');
  }
}

#!/usr/bin/env node
/*
 * Credstack interop harness: sign and verify eddsa-rdfc-2022 credentials with the
 * Digital Bazaar JavaScript reference implementation (@digitalbazaar/vc and friends),
 * entirely offline, so that Python tests can check both directions of interoperability.
 *
 *   node interop.mjs verify <credential.json> --contexts <dir|manifest.json>
 *        [--documents <map.json>] [--now <dateTime>] [--no-status] [--proof-only]
 *     prints {"verified", "proof", "issuerChecked", "status", "errors"};
 *     exit 0 verified, 1 not verified, 2 usage error, 3 any other failure.
 *   node interop.mjs sign <unsigned.json> --key <key.json> --vm <verificationMethod>
 *        --contexts <dir|manifest.json> [--documents <map.json>] [--created <dateTime>]
 *     <key.json>: a Multikey pair or a private Ed25519 JWK (what `credstack keys generate`
 *     writes); prints the signed credential; exit 0, else 2 (usage) or 3 with {"error"}
 *     on stderr.
 *
 * The document loader serves ONLY: the contexts listed in the manifest (each file's
 * SHA-256 checked against the manifest, as Credstack pins them; entries marked test_only
 * are skipped), did:key documents built by @digitalbazaar/did-method-key, and the
 * documents of the --documents map (URL or DID -> file path relative to the map, the same
 * format as `credstack verify --documents`). Anything else is an error, never a network
 * fetch: a test that passes here passed without the internet.
 *
 * Verification is vc.js's own: validFrom/validUntil against --now (default: the clock),
 * the signature, the key listed under assertionMethod by its controller and, unless
 * --proof-only, the credential's issuer equal to that controller.
 *
 * Status: a credential with a BitstringStatusListEntry is checked with
 * @digitalbazaar/vc-bitstring-status-list (the status list credential is loaded from the
 * map, its proof verified with the same suite, its issuer matched, the bit read). A set bit
 * makes the result `verified: false` with `status.revoked: true`.
 */
import {createHash} from 'node:crypto';
import {readFileSync, statSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {parseArgs} from 'node:util';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import jsigs from 'jsonld-signatures';

const USAGE = `usage:
  interop.mjs verify <credential.json> --contexts <dir|manifest.json> [--documents <map.json>]
                     [--now <dateTime>] [--no-status] [--proof-only]
  interop.mjs sign <unsigned.json> --key <key.json> --vm <verificationMethod>
                   --contexts <dir|manifest.json> [--documents <map.json>] [--created <dateTime>]`;

class UsageError extends Error {}

function readJson(path, what) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch(e) {
    throw new UsageError(`cannot read ${what} ${path}: ${e.message}`);
  }
}

/** Map of context URL -> parsed context, from a Credstack-style manifest, hashes checked. */
export function loadContexts(dirOrManifest) {
  const manifestPath = statSync(dirOrManifest).isDirectory() ?
    join(dirOrManifest, 'manifest.json') : dirOrManifest;
  const manifest = readJson(manifestPath, 'context manifest');
  const base = dirname(manifestPath);
  const entries = Array.isArray(manifest) ? manifest : manifest.contexts;
  if(!Array.isArray(entries) || entries.length === 0) {
    throw new UsageError(`${manifestPath} lists no contexts ("contexts": [{url, file, sha256}])`);
  }
  const contexts = new Map();
  for(const {url, file, sha256, test_only: testOnly} of entries) {
    if(testOnly) {
      // e.g. credentials/examples/v2: never served in production, so not here either;
      // tests that need it for a published vector pass it through --documents.
      continue;
    }
    if(!url || !file || !sha256) {
      throw new UsageError(`${manifestPath}: every entry needs url, file and sha256`);
    }
    const bytes = readFileSync(resolve(base, file));
    const actual = createHash('sha256').update(bytes).digest('hex');
    if(actual !== sha256) {
      throw new UsageError(
        `${file}: SHA-256 ${actual} does not match the manifest's pin ${sha256}`);
    }
    contexts.set(url, JSON.parse(bytes.toString('utf8')));
  }
  return contexts;
}

/** Map of URL -> document from a `credstack verify --documents` style map. */
export function loadDocumentMap(mapPath) {
  const documents = new Map();
  if(!mapPath) {
    return documents;
  }
  const map = readJson(mapPath, 'document map');
  for(const [url, target] of Object.entries(map)) {
    documents.set(url, typeof target === 'string' ?
      readJson(resolve(dirname(mapPath), target), `document for ${url}`) : target);
  }
  return documents;
}

function findVerificationMethod(document, url) {
  const fragment = url.slice(url.indexOf('#'));
  const candidates = [];
  for(const term of ['verificationMethod', 'assertionMethod', 'authentication']) {
    const values = document[term] === undefined ? [] : [].concat(document[term]);
    candidates.push(...values.filter(value => typeof value === 'object'));
  }
  const method = candidates.find(({id}) => id === url || id === fragment);
  if(!method) {
    throw new Error(`${url}: no verification method with that id in its document`);
  }
  return {'@context': document['@context'], ...method, id: url};
}

/** The offline document loader described at the top of this file. */
export function offlineDocumentLoader({contexts, documents}) {
  const didKeyDriver = didKey.driver();
  didKeyDriver.use({
    multibaseMultikeyHeader: 'z6Mk',
    fromMultibase: Ed25519Multikey.from
  });
  return async function documentLoader(url) {
    const hash = url.indexOf('#');
    const base = hash === -1 ? url : url.slice(0, hash);
    let document;
    if(hash === -1 && contexts.has(url)) {
      document = structuredClone(contexts.get(url));
    } else if(documents.has(url)) {
      document = structuredClone(documents.get(url));
    } else if(documents.has(base)) {
      document = findVerificationMethod(structuredClone(documents.get(base)), url);
    } else if(base.startsWith('did:key:')) {
      document = await didKeyDriver.get({url});
    } else {
      throw new Error(`offline document loader refuses ${url}: not a bundled context, ` +
        'not a did:key, not in the --documents map');
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

function describe(error) {
  if(!error) {
    return [];
  }
  const errors = [].concat(error).flatMap(e => [e, ...(e?.errors ?? [])]);
  return [...new Set(errors.map(e => {
    // jsonld wraps loader errors in details.cause; keep the loader's own words
    const inner = e?.cause?.message ?? e?.details?.cause?.message;
    const cause = inner ? ` (cause: ${inner})` : '';
    return `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}${cause}`;
  }))];
}

function statusSummary(statusResult) {
  if(statusResult === undefined) {
    return null;
  }
  const results = statusResult.results ?? [];
  return {
    checked: statusResult.verified === true,
    revoked: results.some(r => r.credentialStatus?.statusPurpose === 'revocation' && r.status),
    entries: results.map(r => ({
      statusPurpose: r.credentialStatus?.statusPurpose,
      statusListIndex: r.credentialStatus?.statusListIndex,
      set: r.status === true
    })),
    errors: describe(statusResult.error)
  };
}

async function verify(credentialPath, options, documentLoader) {
  const credential = readJson(credentialPath, 'credential');
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    // --proof-only: AssertionProofPurpose checks the signature and that the controller
    // lists the key under assertionMethod, but not vc.js's issuer === controller rule,
    // which published vectors with placeholder issuers (https://vc.example/...) break.
    purpose: options['proof-only'] ? new jsigs.purposes.AssertionProofPurpose() : undefined,
    now: options.now,
    checkStatus: options['no-status'] ?
      async () => ({verified: true, skipped: true}) :
      async opts => checkStatus({...opts, suite, documentLoader})
  });
  const status = options['no-status'] ? null : statusSummary(result.statusResult);
  const proof = (result.results ?? []).length > 0 &&
    result.results.every(r => r.verified === true);
  const revoked = status?.revoked === true;
  const errors = [
    ...describe(result.error),
    ...(result.results ?? []).flatMap(r => describe(r.error)),
    ...(status?.errors ?? []),
    ...(revoked ? ['the credential is revoked: its status list bit is set'] : [])
  ];
  const verified = result.verified === true && proof && !revoked;
  return {
    verified, proof, issuerChecked: !options['proof-only'], status,
    errors: [...new Set(errors)]
  };
}

/** A Multikey pair (public/secret multibase) or a private Ed25519 JWK, as Credstack writes. */
async function loadSigningKey(keyFile, options) {
  const id = options.vm;
  const controller = options.vm.split('#')[0];
  if(keyFile.kty === 'OKP' && keyFile.crv === 'Ed25519' && keyFile.d) {
    return Ed25519Multikey.fromJwk({jwk: keyFile, secretKey: true, id, controller});
  }
  const secretKeyMultibase = keyFile.secretKeyMultibase ?? keyFile.privateKeyMultibase;
  if(!keyFile.publicKeyMultibase || !secretKeyMultibase) {
    throw new UsageError(`${options.key}: expected a Multikey pair (publicKeyMultibase, ` +
      'secretKeyMultibase) or a private Ed25519 JWK');
  }
  return Ed25519Multikey.from({
    type: 'Multikey', id, controller,
    publicKeyMultibase: keyFile.publicKeyMultibase,
    secretKeyMultibase
  });
}

async function sign(unsignedPath, options, documentLoader) {
  const credential = readJson(unsignedPath, 'unsigned credential');
  if(!options.key || !options.vm) {
    throw new UsageError('sign needs --key <key.json> and --vm <verificationMethod>');
  }
  const keyPair = await loadSigningKey(readJson(options.key, 'key file'), options);
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: eddsaRdfc2022,
    date: options.created
  });
  return vc.issue({credential, suite, documentLoader, now: options.created});
}

async function main(argv) {
  const {values: options, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      contexts: {type: 'string'},
      documents: {type: 'string'},
      now: {type: 'string'},
      'no-status': {type: 'boolean', default: false},
      'proof-only': {type: 'boolean', default: false},
      key: {type: 'string'},
      vm: {type: 'string'},
      created: {type: 'string'}
    }
  });
  const [command, input] = positionals;
  if(!['verify', 'sign'].includes(command) || !input || positionals.length !== 2) {
    throw new UsageError(USAGE);
  }
  if(!options.contexts) {
    throw new UsageError('--contexts <dir|manifest.json> is required (the bundled contexts)');
  }
  const documentLoader = offlineDocumentLoader({
    contexts: loadContexts(options.contexts),
    documents: loadDocumentMap(options.documents)
  });
  if(command === 'verify') {
    const result = await verify(input, options, documentLoader);
    process.stdout.write(JSON.stringify(result) + '\n');
    return result.verified ? 0 : 1;
  }
  const signed = await sign(input, options, documentLoader);
  process.stdout.write(JSON.stringify(signed, null, 2) + '\n');
  return 0;
}

main(process.argv.slice(2)).then(code => {
  process.exitCode = code;
}, error => {
  const usage = error instanceof UsageError || error?.code?.startsWith?.('ERR_PARSE_ARGS');
  process.stderr.write(JSON.stringify({error: describe(error).join('; ')}) + '\n');
  process.exitCode = usage ? 2 : 3;
});

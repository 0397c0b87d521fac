// The baseline of `forge bench tokenizer`: the same Hugging Face tokenizer files, loaded and run by @lenml/tokenizers
// (an independent JavaScript port of Hugging Face's tokenizers) on the same documents, timed the same way.
// Usage: node tokenizer_bench.js MODEL_DIR DOCUMENTS_JSON REPEATS   (@lenml/tokenizers found through NODE_PATH)
// Prints one JSON object: load_ms, encode_s and decode_s (one entry per timed repeat, after one warm-up each),
// cold_encode_s (the first encoding by a tokenizer just loaded, once per repeat), the
// number of tokens and an FNV-1a checksum of every id in document order (to check both sides produce the same ids).
"use strict";
const fs = require("fs");
const path = require("path");
const { TokenizerLoader } = require("@lenml/tokenizers");

const [modelDir, documentsFile, repeatsArg] = process.argv.slice(2);
const repeats = Number.parseInt(repeatsArg, 10);
if (!modelDir || !documentsFile || !(repeats >= 1)) {
  console.error("usage: node tokenizer_bench.js MODEL_DIR DOCUMENTS_JSON REPEATS");
  process.exit(2);
}
const documents = JSON.parse(fs.readFileSync(documentsFile, "utf8"));

// Loading includes reading and parsing the files, as Forge's load does.
const load = () => {
  const tokenizerJSON = JSON.parse(fs.readFileSync(path.join(modelDir, "tokenizer.json"), "utf8"));
  const configFile = path.join(modelDir, "tokenizer_config.json");
  const tokenizerConfig = fs.existsSync(configFile) ? JSON.parse(fs.readFileSync(configFile, "utf8")) : {};
  return TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });
};
const seconds = (since) => Number(process.hrtime.bigint() - since) / 1e9;
const timed = (work) => {
  work(); // warm-up
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    work();
    times.push(seconds(start));
  }
  return times;
};

const tokenizer = load();
const loadMs = timed(load).map((s) => s * 1000);
// Cold: a tokenizer just loaded encodes the documents once (its caches empty); the load is not timed.
const coldS = [];
for (let i = 0; i < repeats; i++) {
  const fresh = load();
  const start = process.hrtime.bigint();
  for (const text of documents) fresh.encode(text, { add_special_tokens: false });
  coldS.push(seconds(start));
}
let encoded = [];
const encodeS = timed(() => { encoded = documents.map((text) => tokenizer.encode(text, { add_special_tokens: false })); });
const decodeS = timed(() => { for (const ids of encoded) tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }); });

let tokens = 0;
let checksum = 0x811c9dc5;
for (const ids of encoded) {
  tokens += ids.length;
  for (const id of ids) checksum = Math.imul(checksum ^ id, 0x01000193) >>> 0;
}
process.stdout.write(JSON.stringify({ load_ms: loadMs, cold_encode_s: coldS, encode_s: encodeS, decode_s: decodeS, tokens, checksum }));

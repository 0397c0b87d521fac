// Reference ids for Forge's tokenizer tests, from @lenml/tokenizers (a JavaScript port of Hugging Face's tokenizers).
// Usage: node reference.js MODEL_DIR CORPUS_JSON
//   MODEL_DIR holds tokenizer.json (and optionally tokenizer_config.json); CORPUS_JSON is an array of strings.
// Prints one JSON object: {"items": [{"ids", "plain_ids", "ids_with_special", "decoded"}, ...]} in corpus order, where
//   ids              = encode(text, add_special_tokens=false), special tokens written in the text parsed to their ids;
//   plain_ids        = the same with special added tokens not parsed (their text encoded as ordinary text);
//   ids_with_special = encode(text) with the post-processor's tokens (e.g. BOS) added;
//   decoded          = decode(ids) with special tokens kept and no clean-up of spaces.
"use strict";
const fs = require("fs");
const path = require("path");
const { TokenizerLoader } = require("@lenml/tokenizers");

const [modelDir, corpusFile] = process.argv.slice(2);
if (!modelDir || !corpusFile) {
  console.error("usage: node reference.js MODEL_DIR CORPUS_JSON");
  process.exit(2);
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
const tokenizerJSON = readJson(path.join(modelDir, "tokenizer.json"));
const configFile = path.join(modelDir, "tokenizer_config.json");
const tokenizerConfig = fs.existsSync(configFile) ? readJson(configFile) : {};
const corpus = readJson(corpusFile);

const load = (json, config) => TokenizerLoader.fromPreTrained({ tokenizerJSON: json, tokenizerConfig: config });
const tokenizer = load(tokenizerJSON, tokenizerConfig);
// Hugging Face's split_special_tokens: special added tokens are not matched in the text; the others still are.
const plainTokenizer = load(
  { ...tokenizerJSON, added_tokens: tokenizerJSON.added_tokens.filter((t) => !t.special) },
  { ...tokenizerConfig, additional_special_tokens: [] });

const items = corpus.map((text) => {
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  return {
    ids,
    plain_ids: plainTokenizer.encode(text, { add_special_tokens: false }),
    ids_with_special: tokenizer.encode(text, { add_special_tokens: true }),
    decoded: ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }),
  };
});
process.stdout.write(JSON.stringify({ items }));

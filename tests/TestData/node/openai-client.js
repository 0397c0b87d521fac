// Drives an OpenAI-compatible endpoint with the official `openai` npm client and prints what it saw as one JSON object.
// Usage: node openai-client.js BASE_URL MODEL
const OpenAI = require("openai").default;

async function main() {
  const [baseURL, model] = process.argv.slice(2);
  const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
  const tools = [{ type: "function", function: { name: "get", description: "Gets a number.",
    parameters: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] } } }];

  const plain = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Hello" }], seed: 1, logprobs: true });

  let text = "", chunks = 0, usage = null, finish = null, ids = new Set();
  const stream = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Hello" }], stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    chunks++;
    ids.add(chunk.id);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? "";
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }

  const calls = {};
  let toolFinish = null;
  const toolStream = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Get a number" }], tools, tool_choice: "required", stream: true });
  for await (const chunk of toolStream) {
    for (const choice of chunk.choices) {
      for (const call of choice.delta.tool_calls ?? []) {
        const c = (calls[call.index] ??= { id: "", name: "", arguments: "" });
        c.id += call.id ?? "";
        c.name += call.function?.name ?? "";
        c.arguments += call.function?.arguments ?? "";
      }
      if (choice.finish_reason) toolFinish = choice.finish_reason;
    }
  }

  // The helper that runs a tool loop on the stream: the SDK's own accumulation of tool-call deltas.
  const runner = client.chat.completions.stream({ model, messages: [{ role: "user", content: "Get a number" }], tools, tool_choice: { type: "function", function: { name: "get" } } });
  const final = await runner.finalChatCompletion();

  let error = null;
  try {
    await client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "Hello" }] });
  } catch (e) {
    error = { status: e.status, message: e.message, code: e.code ?? null, param: e.param ?? null };
  }

  console.log(JSON.stringify({
    plain: { content: plain.choices[0].message.content, finish: plain.choices[0].finish_reason, usage: plain.usage,
             tokens: plain.choices[0].logprobs.content.map(t => t.token), id: plain.id, object: plain.object },
    stream: { text, chunks, usage, finish, ids: ids.size },
    tools: { calls: Object.values(calls), finish: toolFinish },
    helper: { calls: final.choices[0].message.tool_calls.map(c => ({ name: c.function.name, arguments: c.function.arguments })), finish: final.choices[0].finish_reason },
    error,
  }));
}

main().catch(e => { console.error(e.stack || String(e)); process.exit(1); });

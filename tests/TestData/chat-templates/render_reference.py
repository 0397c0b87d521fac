#!/usr/bin/python3
"""Reference renderer for Forge's chat-template tests: Python's jinja2 set up as transformers' apply_chat_template sets it up.

Reads one JSON request on stdin and writes one JSON answer on stdout:
  {"cases": [case, ...]}  ->  [{"text": "..."} | {"error": "ExceptionType: message"}, ...]
A case is either
  {"template": str, "context": {...}, "now": "YYYY-MM-DDTHH:MM:SS"}             a template with its variables, or
  {"template": str, "config": path-to-tokenizer_config.json | null, "messages": [...], "tools": [...] | null,
   "add_generation_prompt": bool, "kwargs": {...}, "now": ...}                  a Forge conversation, rendered as
transformers renders it: Forge messages become OpenAI-style dicts, tool specs become {"type": "function", ...}, the
tokenizer's special tokens are passed as variables.
"""
import datetime
import json
import sys

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTracker(Extension):
    """transformers' {% generation %} block: renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def environment(now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def special_tokens(config_path):
    if not config_path:
        return {}
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    tokens = {}
    for key in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "additional_special_tokens"]:
        value = config.get(key)
        if isinstance(value, dict):
            value = value.get("content")
        if value is not None:
            tokens[key] = value
    return tokens


def openai_message(m):
    out = {"role": m["role"], "content": m["content"]}
    if m.get("tool_calls"):
        out["tool_calls"] = [
            {"type": "function", "function": {"name": c["name"], "arguments": json.loads(c["arguments"])}, "id": c["id"]}
            for c in m["tool_calls"]
        ]
    if m["role"] == "tool":
        out["tool_call_id"] = m.get("tool_call_id")
        out["name"] = m.get("name")
    return out


def openai_tool(t):
    return {"type": "function", "function": {"name": t["name"], "description": t["description"], "parameters": json.loads(t["parameters"])}}


_compiled = {}


def compile_template(source, now):
    key = (source, now)
    if key not in _compiled:
        _compiled[key] = environment(now).from_string(source)
    return _compiled[key]


def render(case):
    now = datetime.datetime.fromisoformat(case.get("now", "2026-01-01T00:00:00"))
    template = compile_template(case["template"], now)
    if "messages" not in case:
        return template.render(**case.get("context", {}))
    tools = [openai_tool(t) for t in case["tools"]] if case.get("tools") else None
    variables = {**special_tokens(case.get("config")), **case.get("kwargs", {})}
    return template.render(
        messages=[openai_message(m) for m in case["messages"]],
        tools=tools,
        documents=None,
        add_generation_prompt=case.get("add_generation_prompt", False),
        **variables,
    )


def main():
    request = json.load(sys.stdin)
    answers = []
    for case in request["cases"]:
        try:
            answers.append({"text": render(case)})
        except Exception as e:  # the C# side compares failures too
            answers.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(answers, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()

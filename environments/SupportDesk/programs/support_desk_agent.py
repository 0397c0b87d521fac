"""A support-desk agent program in plain Python (standard library only).

Forge starts it once per episode with OPENAI_BASE_URL (the episode's path of `forge serve`), OPENAI_API_KEY and
OPENAI_MODEL in its environment and the ticket as JSON on stdin; it prints its final reply on stdout.
"""
import json
import os
import sys
import urllib.request

TOOLS = [{"type": "function", "function": {
    "name": "lookup_order", "description": "Look up one of this customer's orders.",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}]


def complete(messages, seed):
    body = json.dumps({"model": os.environ["OPENAI_MODEL"], "messages": messages, "tools": TOOLS,
                       "max_tokens": 128, "seed": seed}).encode()
    request = urllib.request.Request(os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions", data=body, headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + os.environ.get("OPENAI_API_KEY", "")})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["choices"][0]["message"]


def lookup_order(ticket, order_id):
    if order_id != ticket.get("order_id"):
        return "No such order on this account."
    return f"Order {order_id}: found on {ticket['customer']}'s account."


def main():
    ticket = json.load(sys.stdin)
    messages = [
        {"role": "system", "content": "You are a support agent of Northwind Goods. Look orders up before answering. Reply in plain text."},
        {"role": "user", "content": f"Hi, this is {ticket['customer']}. I have a question about order {ticket.get('order_id', 'unknown')}."},
    ]
    for turn in range(4):
        reply = complete(messages, seed=turn)
        messages.append({"role": "assistant", "content": reply.get("content"), "tool_calls": reply.get("tool_calls")}
                        if reply.get("tool_calls") else {"role": "assistant", "content": reply.get("content") or ""})
        if not reply.get("tool_calls"):
            print(reply.get("content") or "")
            return
        for call in reply["tool_calls"]:
            arguments = json.loads(call["function"]["arguments"] or "{}")
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": lookup_order(ticket, arguments.get("order_id"))})
    print(messages[-1].get("content") or "")


if __name__ == "__main__":
    main()

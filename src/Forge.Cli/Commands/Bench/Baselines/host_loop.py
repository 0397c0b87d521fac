#!/usr/bin/env python3
"""The Python baseline of `forge bench host`: a bare asyncio episode loop of the same shape as Forge's host.

The same episode as bench/tick: reset gives a user prompt and one tool, `tick`; the scripted agent answers every turn
with an assistant message calling it (arguments "{}"); the environment parses the arguments as JSON, dispatches the
call by name, answers with a tool message and ends the episode after the k-th call, scored 1 by its one-line rubric.
Messages are dicts. Episodes run as `concurrency` asyncio workers fed from a bounded request queue; each finished
trajectory (prompt, tools, every step with its action, observation, reward and timings) goes through a bounded queue
to one writer that appends it to a file as a JSON line and flushes it, and the file is synced at the end: the durability
of Forge's recorder (every record handed to the operating system before the next, the log synced when the run completes).
No deadlines, retries or error boundaries: this is the floor a host is measured against.

Prints one JSON object: concurrency, episodes, steps, seconds (wall, from the first request to the last record handed
to the operating system), cpu_seconds (this process's CPU time over the same span), sync_seconds (the final fsync, timed
apart as `forge bench host` times the recorder's) and bytes written.
"""
import argparse
import asyncio
import json
import os
import time

TOOLS = [{
    "name": "tick",
    "description": "Counts one tick and returns the count so far.",
    "parameters": {"type": "object", "properties": {}, "required": [], "additionalProperties": False},
}]
CALL = {"role": "assistant", "content": "", "tool_calls": [{"id": "t", "name": "tick", "arguments": "{}"}]}


class TickEnvironment:
    """bench/tick: call tick k times."""

    def __init__(self, k):
        self.k = k
        self.ticks = 0
        self.ended = False
        self.tools = {"tick": self.tick}

    def tick(self):
        self.ticks += 1
        if self.ticks >= self.k:
            self.ended = True
        return self.ticks

    async def reset(self, task):
        self.ticks = 0
        self.ended = False
        return [{"role": "user", "content": f"Call tick {self.k} times."}], TOOLS

    async def step(self, action):
        observation = []
        for call in action["tool_calls"]:
            arguments = json.loads(call["arguments"] or "{}")
            value = self.tools[call["name"]](**arguments)
            observation.append({"role": "tool", "tool_call_id": call["id"], "name": call["name"], "content": json.dumps(value)})
            if self.ended:
                break
        reward = (1.0 if self.ticks >= self.k else 0.0) if self.ended else 0.0
        return observation, reward, self.ended


async def agent(conversation, tools):
    return CALL


async def run_episode(request, k):
    environment = TickEnvironment(k)
    started_at = time.time()
    started = time.perf_counter()
    prompt, tools = await environment.reset(request["task"])
    conversation = list(prompt)
    steps = []
    clock = time.perf_counter()
    while True:
        action = await agent(conversation, tools)
        step_started = time.perf_counter()
        observation, reward, done = await environment.step(action)
        step_ended = time.perf_counter()
        conversation.append(action)
        conversation.extend(observation)
        steps.append({
            "index": len(steps), "action": action, "observation": observation, "reward": reward,
            "agent_ms": (step_started - clock) * 1e3, "environment_ms": (step_ended - step_started) * 1e3,
        })
        clock = step_ended
        if done:
            break
    return {
        "episode_id": request["episode_id"], "run_id": "bench", "group_id": request["group_id"],
        "environment_id": "bench/tick", "task_id": request["task"]["id"], "seed": request["seed"], "agent_id": "scripted/tick",
        "prompt": prompt, "tools": tools, "steps": steps, "total_reward": sum(s["reward"] for s in steps),
        "termination": "terminated", "started_at": started_at, "duration_ms": (time.perf_counter() - started) * 1e3,
    }


async def run(episodes, k, concurrency, path):
    requests = asyncio.Queue(maxsize=max(64, 2 * concurrency))
    finished = asyncio.Queue(maxsize=64)
    totals = {"steps": 0, "episodes": 0}

    async def produce():
        for i in range(episodes):
            await requests.put({"episode_id": f"e{i}", "group_id": f"g{i}", "seed": i, "task": {"id": f"t{i}"}})
        for _ in range(concurrency):
            await requests.put(None)

    async def work():
        while (request := await requests.get()) is not None:
            await finished.put(await run_episode(request, k))

    async def record(log):
        while (trajectory := await finished.get()) is not None:
            log.write(json.dumps(trajectory) + "\n")
            log.flush()
            totals["steps"] += len(trajectory["steps"])
            totals["episodes"] += 1

    with open(path, "w", encoding="utf-8") as log:
        started = time.perf_counter()
        cpu_started = time.process_time()
        recorder = asyncio.create_task(record(log))
        producer = asyncio.create_task(produce())
        await asyncio.gather(*(work() for _ in range(concurrency)))
        await finished.put(None)
        await recorder
        await producer
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        os.fsync(log.fileno())
        sync_seconds = time.perf_counter() - started - seconds
    return {"concurrency": concurrency, "episodes": totals["episodes"], "steps": totals["steps"], "seconds": seconds,
            "cpu_seconds": cpu_seconds, "sync_seconds": sync_seconds, "bytes": os.path.getsize(path)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--out", required=True, help="the JSON lines file to write")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.episodes, args.steps, args.concurrency, args.out))))


if __name__ == "__main__":
    main()

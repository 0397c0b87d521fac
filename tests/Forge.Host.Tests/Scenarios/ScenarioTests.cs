using Forge.Core.Configuration;
using Forge.Host.Registry;
using Forge.Core;
using Forge.Host.Scenarios;
using Forge.Host.Tests.Rollouts;

namespace Forge.Host.Tests.Scenarios;

public sealed class ScenarioTests
{
    private const string File = "scenarios/test.json";

    private const string Valid = """
        {
          // comments are allowed
          "name": "demo",
          "seed": 7,
          "environments": [ { "id": "math/arithmetic", "tasks": 3 }, { "id": "support/desk", "task_ids": ["b", "a"] } ],
          "agent": { "type": "noisy", "error_rate": 0.3 },
          "episodes_per_task": 4,
          "group_size": 2,
          "concurrency": 16,
          "agent_retries": 1,
          "limits": { "max_turns": 5, "turn_timeout_s": 2.5 },
          "reward_mode": "binary",
          "sandbox": { "backend": "local", "memory_mb": 256 },
          "trainer": { "anything": [1, 2] },
          "output": "runs/x"
        }
        """;

    private static readonly Dictionary<string, EnvironmentSource> Registry = new()
    {
        ["math/arithmetic"] = new("math/arithmetic", EpisodeLimits.Default with { MaxTurns = 6 }, RewardMode.Graded, (seed, count) => [.. Enumerable.Range(0, count ?? 10).Select(i => new FakeTask($"gen-{seed}-{i}"))]),
        ["support/desk"] = new("support/desk", EpisodeLimits.Default, RewardMode.Graded, (_, count) => [.. new[] { "a", "b", "refund-small" }.Take(count ?? 3).Select(id => new FakeTask(id))]),
    };

    private static EnvironmentSource Resolve(string id) =>
        Registry.TryGetValue(id, out var source) ? source
        : throw new KeyNotFoundException($"Environment `{id}` doesn't exist.{NameSuggestions.DidYouMean(id, Registry.Keys)}");

    private static ScenarioException Invalid(string json) => Assert.Throws<ScenarioException>(() => Scenario.Parse(json, File));

    [Fact]
    public void Parse_ValidFile_ReadsEverySection()
    {
        var s = Scenario.Parse(Valid, File);

        Assert.Equal(("demo", 7, 4, 2, 16, 1), (s.Name, s.Seed, s.EpisodesPerTask, s.GroupSize, s.Concurrency, s.AgentRetries));
        Assert.Equal(["math/arithmetic", "support/desk"], s.Environments.Select(e => e.Id));
        Assert.Equal(3, s.Environments[0].Tasks);
        Assert.Equal(["b", "a"], s.Environments[1].TaskIds!);
        Assert.Equal(("noisy", 0.3), (s.Agent.Type, s.Agent.ErrorRate));
        var limits = s.Limits.ApplyTo(EpisodeLimits.Default with { StepTimeout = TimeSpan.FromSeconds(9) });
        Assert.Equal((5, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(9)), (limits.MaxTurns, limits.TurnTimeout, limits.StepTimeout));
        Assert.Equal(["max_turns", "turn_timeout_s"], s.Limits.Names);
        Assert.Equal(RewardMode.Binary, s.RewardMode);
        Assert.Equal("local", s.Sandbox!.Value.GetProperty("backend").GetString());
        Assert.Equal(2, s.Trainer!.Value.GetProperty("anything").GetArrayLength());
        Assert.Equal("runs/x", s.Output);
        Assert.Equal(Path.GetFullPath(File), s.Path);
    }

    [Fact]
    public void Parse_MinimalFile_UsesDefaults()
    {
        var s = Scenario.Parse("""{ "name": "m", "environments": [{ "id": "support/desk" }], "agent": { "type": "scripted" } }""", File);

        Assert.Equal((0, 1, 1, 8, 2), (s.Seed, s.EpisodesPerTask, s.GroupSize, s.Concurrency, s.AgentRetries));
        Assert.Equal(Path.Combine("runs", "m"), s.Output);
        Assert.Null(s.RewardMode);
        Assert.Null(s.Sandbox);
        Assert.Equal(EpisodeLimits.Default, s.Limits.ApplyTo(EpisodeLimits.Default));
    }

    [Fact]
    public void Parse_GroupSizeOnly_EpisodesPerTaskDefaultsToOneGroup()
    {
        var s = Scenario.Parse("""{ "name": "m", "environments": [{ "id": "support/desk" }], "agent": { "type": "scripted" }, "group_size": 4 }""", File);
        Assert.Equal(4, s.EpisodesPerTask);
    }

    [Fact]
    public void Parse_BrokenJson_NamesFileLineAndColumn()
    {
        var e = Invalid("{\n  \"name\": \"x\",\n  \"seed\": 7,,\n}");

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith($"{File}: $: line 3, column", problem);
        Assert.Contains("not valid JSON", problem);
    }

    [Fact]
    public void Parse_UnknownProperties_SuggestsTheClosestName()
    {
        var e = Invalid("""{ "name": "x", "environments": [{ "id": "a/b", "taks": 3 }], "agent": { "type": "scripted" }, "concurency": 4 }""");

        Assert.Contains($"{File}: $.concurency: unknown property \"concurency\". Did you mean \"concurrency\"?", e.Problems);
        Assert.Contains($"{File}: $.environments[0].taks: unknown property \"taks\". Did you mean \"tasks\"?", e.Problems);
    }

    [Fact]
    public void Parse_WrongTypesAndRanges_ReportsEveryProblemAtOnce()
    {
        var e = Invalid("""
            {
              "name": 3,
              "seed": "seven",
              "environments": [ { "id": "", "tasks": 0 }, 5, { "tasks": 2, "task_ids": ["a", 1, "a"] }, { "id": "x", "tasks": 2, "task_ids": ["b", "b"] } ],
              "agent": { "type": "noisy", "error_rate": 1.5 },
              "concurrency": 0,
              "group_size": 3, "episodes_per_task": 4,
              "limits": { "max_turns": "many", "turn_timeout_s": -1, "max_tokens": 3 },
              "reward_mode": "grade",
              "sandbox": []
            }
            """);

        string[] expected =
        [
            "$.name: expected a string, got the number 3",
            "$.seed: expected an integer, got the string \"seven\"",
            "$.environments[0].id: is required",
            "$.environments[0].tasks: must be between 1 and 10000000 (got 0)",
            "$.environments[1]: expected an object, got the number 5",
            "$.environments[2].task_ids[1]: expected a string, got the number 1",
            "$.environments[2].id: is required",
            // Rules across fields wait until every field of the entry reads: [2] reports its bad item, [3] its rules.
            "$.environments[3]: give either \"tasks\" (a count) or \"task_ids\" (a list), not both",
            "$.environments[3].task_ids: \"b\" is listed twice (item 1)",
            "$.reward_mode: \"grade\" is not one of \"graded\", \"binary\". Did you mean \"graded\"?",
            "$.concurrency: must be between 1 and 100000 (got 0)",
            "$.episodes_per_task: must be a multiple of group_size (3), got 4",
            "$.agent.error_rate: must be between 0 and 1 (got 1.5)",
            "$.limits.max_turns: expected an integer, got the string \"many\"",
            "$.limits.max_tokens: unknown property \"max_tokens\". Did you mean \"max_turns\"?",
            "$.limits.turn_timeout_s: must be greater than 0 and at most 86400 s (got -1)",
            "$.sandbox: expected an object, got an array",
        ];
        foreach (var problem in expected) Assert.Contains($"{File}: {problem}", e.Problems);
        Assert.Equal(expected.Length, e.Problems.Count);
        Assert.StartsWith($"{expected.Length} problems:", e.Message);
    }

    [Fact]
    public void Parse_UnknownAgentType_SuggestsTheClosest()
    {
        var e = Invalid("""{ "name": "x", "environments": [{ "id": "a/b" }], "agent": { "type": "scriptd" } }""");
        Assert.Equal($"{File}: $.agent.type: \"scriptd\" is not an agent type; use one of \"scripted\", \"noisy\", \"semantic-kernel\", \"policy\", \"agent-program\". Did you mean \"scripted\"?", Assert.Single(e.Problems));
        Assert.Equal(e.Problems[0], e.Message);
    }

    [Fact]
    public void Parse_AgentOptionsOfOtherOwners_ArePassedThrough()
    {
        var s = Scenario.Parse("""{ "name": "x", "environments": [{ "id": "a/b" }], "agent": { "type": "semantic-kernel", "endpoint": "http://localhost:1", "model": "m" } }""", File);
        Assert.Equal("m", s.Agent.Raw.GetProperty("model").GetString());
    }

    [Fact]
    public void Parse_MissingRequiredSections_NamesThem()
    {
        var e = Invalid("{}");
        Assert.Equal([$"{File}: $.name: is required", $"{File}: $.environments: is required: list the environments to run, like [{{ \"id\": \"math/arithmetic\", \"tasks\": 10 }}]", $"{File}: $.agent: is required, like {{ \"type\": \"scripted\" }}"], e.Problems);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Scenario.Load("no/such/scenario.json"));
        Assert.Contains("no/such/scenario.json", e.Message);
    }

    [Fact]
    public void ExpandRequests_ValidScenario_GroupsTasksAndAppliesOverrides()
    {
        var requests = Scenario.Parse(Valid, File).ExpandRequests(Resolve);

        Assert.Equal((3 + 2) * 4, requests.Count);
        var first = requests[0];
        Assert.Equal(("math/arithmetic:gen-7-0:0:0", "math/arithmetic", "gen-7-0", "math/arithmetic:gen-7-0:0"), (first.EpisodeId, first.EnvironmentId, first.Task.Id, first.GroupId));
        Assert.Equal(5, first.Limits.MaxTurns);                      // the scenario's override
        Assert.Equal(TimeSpan.FromSeconds(2.5), first.Limits.TurnTimeout);
        Assert.Equal(RewardMode.Binary, first.RewardMode);
        Assert.Equal(2, requests.Where(r => r.Task.Id == "gen-7-0").GroupBy(r => r.GroupId).Count());
        Assert.All(requests.GroupBy(r => r.GroupId), g => Assert.Equal(2, g.Count()));
        Assert.Equal(["b", "a"], requests.Where(r => r.EnvironmentId == "support/desk").Select(r => r.Task.Id).Distinct());
        Assert.Equal(requests.Count, requests.Select(r => r.EpisodeId).Distinct().Count());
        Assert.Equal(requests.Count, requests.Select(r => r.Seed).Distinct().Count());
        Assert.All(requests, r => Assert.True(r.Seed >= 0));
    }

    [Fact]
    public void ExpandRequests_SameScenario_SameRequests_OtherSeed_OtherSeeds()
    {
        var scenario = Scenario.Parse(Valid, File);
        var a = scenario.ExpandRequests(Resolve).Select(r => (r.EpisodeId, r.Seed, r.Task.Id)).ToList();
        var b = Scenario.Parse(Valid, File).ExpandRequests(Resolve).Select(r => (r.EpisodeId, r.Seed, r.Task.Id)).ToList();
        var c = (scenario with { Seed = 8 }).ExpandRequests(Resolve).Select(r => r.Seed).ToList();

        Assert.Equal(a, b);
        Assert.Empty(a.Select(r => r.Seed).Intersect(c));
    }

    [Fact]
    public void ExpandRequests_OtherSeedWithTaskSeedKept_SameTasksByIdAndByCount_OtherEpisodeSeeds()
    {
        var scenario = Scenario.Parse("""
            { "name": "x", "seed": 7, "agent": { "type": "scripted" },
              "environments": [ { "id": "math/arithmetic", "task_ids": ["gen-7-4", "gen-7-1"] }, { "id": "support/desk", "tasks": 2 } ] }
            """, File);
        var original = scenario.ExpandRequests(Resolve);
        var reseeded = (scenario with { Seed = 3, TaskSeed = scenario.TaskSetSeed }).ExpandRequests(Resolve);

        Assert.Equal(["gen-7-4", "gen-7-1", "a", "b"], reseeded.Select(r => r.Task.Id));
        Assert.Equal(original.Select(r => r.Task.Id), reseeded.Select(r => r.Task.Id));
        Assert.Empty(original.Select(r => r.Seed).Intersect(reseeded.Select(r => r.Seed)));
        var e = Assert.Throws<ScenarioException>(() => (scenario with { Seed = 3 }).ExpandRequests(Resolve));   // without it, the ids are looked for among seed 3's tasks
        Assert.Contains("has no task `gen-7-4`", e.Message);
    }

    [Fact]
    public void ExpandRequests_UnknownEnvironmentsAndTasks_ReportsAllWithSuggestions()
    {
        var scenario = Scenario.Parse("""
            { "name": "x", "agent": { "type": "scripted" },
              "environments": [ { "id": "math/arithmetc" }, { "id": "support/desk", "task_ids": ["refund-smal", "a"] }, { "id": "nothing/like-it" } ] }
            """, File);

        var e = Assert.Throws<ScenarioException>(() => scenario.ExpandRequests(Resolve));

        Assert.Equal(
        [
            $"{scenario.Path}: $.environments[0].id: Environment `math/arithmetc` doesn't exist. Did you mean `math/arithmetic`?",
            $"{scenario.Path}: $.environments[1].task_ids[0]: support/desk has no task `refund-smal`. Did you mean `refund-small`?",
            $"{scenario.Path}: $.environments[2].id: Environment `nothing/like-it` doesn't exist.",
        ], e.Problems);
    }

    [Fact]
    public void ExpandRequests_MoreTasksThanTheEnvironmentHas_SaysHowMany()
    {
        var scenario = Scenario.Parse("""{ "name": "x", "agent": { "type": "scripted" }, "environments": [ { "id": "support/desk", "tasks": 5 } ] }""", File);

        var e = Assert.Throws<ScenarioException>(() => scenario.ExpandRequests(Resolve));
        Assert.Equal($"{scenario.Path}: $.environments[0].tasks: asks for 5 tasks, but support/desk has only 3", e.Message);
    }

    [Fact]
    public void Derive_SameInputs_SameSeed_AnyChange_OtherSeed()
    {
        var seed = EpisodeSeeds.Derive(7, "math/arithmetic", "t1", 0, 0);
        Assert.Equal(seed, EpisodeSeeds.Derive(7, "math/arithmetic", "t1", 0, 0));
        Assert.NotEqual(seed, EpisodeSeeds.Derive(8, "math/arithmetic", "t1", 0, 0));
        Assert.NotEqual(seed, EpisodeSeeds.Derive(7, "math/arithmetic", "t2", 0, 0));
        Assert.NotEqual(seed, EpisodeSeeds.Derive(7, "math/arithmetic", "t1", 1, 0));
        Assert.NotEqual(seed, EpisodeSeeds.Derive(7, "math/arithmetic", "t1", 0, 1));
        Assert.Equal(922_342_760, EpisodeSeeds.Derive(0, "a", "b", 0, 0)); // pinned: seeds must not change between versions
    }

    [Fact]
    public void Parse_JudgeSection_ReadIntoTheJudgeOptions()
    {
        var s = Scenario.Parse("""
            { "name": "j", "environments": [{ "id": "support/desk" }], "agent": { "type": "scripted" },
              "judge": { "endpoint": "http://127.0.0.1:8000/v1", "model": "judge", "mode": "logprobs", "top_logprobs": 5, "retry_delay_s": 0.25 } }
            """, File);

        Assert.Equal(("http://127.0.0.1:8000/v1", "judge", Forge.Core.Rewards.JudgeMode.Logprobs, 5, TimeSpan.FromSeconds(0.25)),
            (s.Judge!.Endpoint, s.Judge.Model, s.Judge.Mode, s.Judge.TopLogprobs, s.Judge.RetryDelay));
        Assert.Null(Scenario.Parse("""{ "name": "m", "environments": [{ "id": "support/desk" }], "agent": { "type": "scripted" } }""", File).Judge);
    }

    [Fact]
    public void Parse_BadJudgeSection_EveryProblemWithItsPath()
    {
        var e = Invalid("""
            { "name": "j", "environments": [{ "id": "support/desk" }], "agent": { "type": "scripted" },
              "judge": { "endpoint": "ftp://judge", "mode": "logits", "top_logprobs": 50, "modle": "x" } }
            """);

        Assert.Contains($"{File}: $.judge.endpoint: must be an absolute http or https URL, like http://127.0.0.1:8000/v1 (got 'ftp://judge')", e.Problems);
        Assert.Contains($"{File}: $.judge.top_logprobs: must be between 1 and 20 (got 50)", e.Problems);
        Assert.Contains(e.Problems, p => p.StartsWith($"{File}: $.judge.modle: unknown property \"modle\". Did you mean", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith($"{File}: $.judge.mode: \"logits\" is not", StringComparison.Ordinal));
        Assert.Contains($"{File}: $.judge.model: is required", e.Problems);
        Assert.Equal(5, e.Problems.Count(p => p.Contains("$.judge", StringComparison.Ordinal)));
    }

    [Fact]
    public void Parse_JudgeWithoutEndpoint_SaysWhatToAdd()
    {
        var e = Invalid("""{ "name": "j", "environments": [{ "id": "support/desk" }], "agent": { "type": "scripted" }, "judge": { "model": "judge" } }""");

        Assert.Contains($"{File}: $.judge: needs \"endpoint\": the base URL of the judge's OpenAI-compatible API, like http://127.0.0.1:8000/v1", e.Problems);
    }
}

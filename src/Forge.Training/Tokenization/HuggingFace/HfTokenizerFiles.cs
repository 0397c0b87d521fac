namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>
/// The tokenizer and chat-template files of a Hugging Face folder, and the one way a tokenizer is put into a folder (for
/// checkpoints, <c>forge export --hf</c> and <c>--gguf</c>): a Hugging Face tokenizer's own files are copied; Forge's byte
/// and GPT-2 tokenizers are written out (<see cref="HfTokenizerWriter"/>) so that the folder encodes to the same ids.
/// </summary>
public static class HfTokenizerFiles
{
    /// <summary>File names that belong to a model's tokenizer or chat template, in the order they are copied.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
    [
        HfTokenizer.TokenizerFileName, HfTokenizer.ConfigFileName, HfTokenizer.ChatTemplateFileName, TokenizerConfigFile.SpecialTokensMapFileName,
        "added_tokens.json", "vocab.json", "merges.txt", "tokenizer.model", "chat_template.json",
    ];

    /// <summary>The tokenizer files present in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> Present(string directory) =>
        [.. FileNames.Where(name => File.Exists(Path.Combine(directory, name)))];

    /// <summary>
    /// True when the folder carries a chat template: <c>chat_template.jinja</c>, <c>chat_template.json</c>, or a
    /// <c>chat_template</c> entry in <c>tokenizer_config.json</c>.
    /// </summary>
    public static bool HasChatTemplate(string directory)
    {
        if (File.Exists(Path.Combine(directory, HfTokenizer.ChatTemplateFileName)) || File.Exists(Path.Combine(directory, "chat_template.json")))
            return true;
        var config = Path.Combine(directory, HfTokenizer.ConfigFileName);
        if (!File.Exists(config))
            return false;
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config)) is System.Text.Json.Nodes.JsonObject o && o["chat_template"] is not null;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{config}: not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="tokenizer"/>'s files into <paramref name="folder"/> (created if needed); returns the file names written.</summary>
    public static IReadOnlyList<string> Save(ITokenizer tokenizer, string folder)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return tokenizer switch
        {
            HfTokenizer hf => Copy(hf.Folder, folder),
            ByteTokenizer or Gpt2Tokenizer => HfTokenizerWriter.Write(tokenizer, folder),
            _ => throw new NotSupportedException($"a {tokenizer.GetType().Name} cannot be saved as Hugging Face tokenizer files."),
        };
    }

    /// <summary>
    /// Copies the tokenizer files present in <paramref name="source"/> to <paramref name="destination"/> (created if
    /// needed); returns their names, none when the folder has none.
    /// </summary>
    public static IReadOnlyList<string> Copy(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        var present = Present(source);
        foreach (var name in present)
        {
            var from = Path.Combine(source, name);
            var to = Path.Combine(destination, name);
            if (!string.Equals(Path.GetFullPath(from), Path.GetFullPath(to), StringComparison.Ordinal))
                File.Copy(from, to, overwrite: true);
        }
        return present;
    }
}

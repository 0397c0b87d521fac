namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>
/// Puts a tokenizer into a folder as Hugging Face tokenizer files, for checkpoints and <c>forge export --hf</c>: a
/// Hugging Face tokenizer's own files are copied; Forge's byte and GPT-2 tokenizers are written out
/// (<see cref="HfTokenizerWriter"/>) so that the folder encodes to the same ids.
/// </summary>
public static class HfTokenizerFiles
{
    /// <summary>The files a Hugging Face tokenizer folder may hold, in the order they are copied.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        [HfTokenizer.TokenizerFileName, HfTokenizer.ConfigFileName, HfTokenizer.ChatTemplateFileName, TokenizerConfigFile.SpecialTokensMapFileName];

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

    /// <summary>Copies the tokenizer files present in <paramref name="source"/> to <paramref name="destination"/>; tokenizer.json must be there.</summary>
    public static IReadOnlyList<string> Copy(string source, string destination)
    {
        var main = Path.Combine(source, HfTokenizer.TokenizerFileName);
        if (!File.Exists(main))
            throw new TokenizerFileException(main, null, "file not found.");
        Directory.CreateDirectory(destination);
        var copied = new List<string>();
        foreach (var name in FileNames)
        {
            var from = Path.Combine(source, name);
            if (!File.Exists(from)) continue;
            var to = Path.Combine(destination, name);
            if (!string.Equals(Path.GetFullPath(from), Path.GetFullPath(to), StringComparison.Ordinal))
                File.Copy(from, to, overwrite: true);
            copied.Add(name);
        }
        return copied;
    }
}

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>A tokenizer file is missing, is not JSON, or holds something this loader refuses; the message names the file and JSON path.</summary>
public sealed class TokenizerFileException : FormatException
{
    /// <summary>Creates the exception for <paramref name="file"/> at <paramref name="jsonPath"/> (null when the whole file is meant).</summary>
    public TokenizerFileException(string file, string? jsonPath, string message, Exception? inner = null)
        : base(jsonPath is null ? $"{file}: {message}" : $"{file}: {jsonPath}: {message}", inner)
    {
        File = file;
        JsonPath = jsonPath;
    }

    /// <summary>The file at fault.</summary>
    public string File { get; }

    /// <summary>Where in the file (<c>$.model.merges[3]</c>), or null.</summary>
    public string? JsonPath { get; }
}

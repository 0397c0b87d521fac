using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Forge.Training.Tokenization.HuggingFace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Model;

/// <summary>
/// <c>forge tokenize --model DIR [--json] [--no-special] [--no-bos] (TEXT | --file F)</c>: the ids and tokens a model
/// folder's Hugging Face tokenizer gives a text. Like <c>tokenizer(text)</c> in transformers, special tokens written
/// in the text become their ids and the post-processor's tokens (BOS for Llama 3.1 and Gemma) are added.
/// </summary>
internal sealed class TokenizeCommand : Command<TokenizeCommand.Settings>
{
    // Token strings as they are (Ġ, ▁, <|im_start|>), not \u escapes: this is for people and scripts, not HTML.
    private static readonly JsonSerializerOptions Output = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[TEXT]")]
        [Description("The text to tokenize (or use --file).")]
        public string? Text { get; init; }

        [CommandOption("--model <DIR>")]
        [Description("A folder holding tokenizer.json (and optionally tokenizer_config.json): a model folder or just its tokenizer files.")]
        public string? Model { get; init; }

        [CommandOption("--file <FILE>")]
        [Description("Read the text from this UTF-8 file instead.")]
        public string? File { get; init; }

        [CommandOption("--json")]
        [Description("Print {\"ids\": [[...]], \"tokens\": [[...]]}.")] // [[ ]] is how help markup writes [ ]
        public bool Json { get; init; }

        [CommandOption("--no-special")]
        [Description("Encode special-token text (e.g. <|im_start|>) as ordinary text instead of the special token's id.")]
        public bool NoSpecial { get; init; }

        [CommandOption("--no-bos")]
        [Description("Do not add the tokens the tokenizer's post-processor puts around the text (add_special_tokens=False).")]
        public bool NoBos { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrEmpty(Model))
                return ValidationResult.Error("--model DIR is required: a folder holding tokenizer.json.");
            if ((Text is null) == (File is null))
                return ValidationResult.Error("Give the text to tokenize either as an argument or with --file F (not both).");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Run(settings, Console.Out);

    internal static int Run(Settings settings, TextWriter stdout)
    {
        var text = settings.Text ?? ReadFile(settings.File!);
        var tokenizer = HfTokenizer.Load(settings.Model!);
        var parse = !settings.NoSpecial;
        var ids = settings.NoBos ? tokenizer.Encode(text, parse) : tokenizer.EncodeWithSpecialTokens(text, parse);
        var tokens = tokenizer.Tokens(ids);
        if (settings.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { ids, tokens }, Output));
            return 0;
        }
        var width = ids.Count == 0 ? 1 : ids.Max().ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        for (var i = 0; i < ids.Count; i++)
            stdout.WriteLine($"{ids[i].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width)}  {JsonSerializer.Serialize(tokens[i], Output)}{(tokenizer.IsSpecial(ids[i]) ? "  (special)" : "")}");
        stdout.WriteLine($"{ids.Count} tokens");
        return 0;
    }

    private static string ReadFile(string file) => System.IO.File.Exists(file)
        ? System.IO.File.ReadAllText(file, Encoding.UTF8)
        : throw new FileNotFoundException($"{file}: file not found.");
}

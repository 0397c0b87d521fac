using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Forge.Core.Configuration;

/// <summary>A problem with one options object: the JSON name of the property (null for the object as a whole) and what is wrong.</summary>
public sealed record OptionProblem(string? Property, string Message)
{
    /// <summary><c>property: message</c>, or the message alone.</summary>
    public override string ToString() => Property is null ? Message : $"{Property}: {Message}";
}

/// <summary>
/// Checks an options object against what its type declares once, on its properties: <see cref="RangeAttribute"/> (a
/// <see cref="TimeSpan"/> in seconds; <see cref="RangeAttribute.MinimumIsExclusive"/> honoured), <see cref="RequiredAttribute"/>,
/// <see cref="AllowedValuesAttribute"/>, <see cref="MinLengthAttribute"/>, then the type's own cross-field rules
/// (<see cref="IValidatableObject"/>). Every problem is returned; nothing throws.
/// </summary>
public static class OptionsValidator
{
    /// <summary>Every problem with <paramref name="options"/>, empty when they are valid.</summary>
    public static IReadOnlyList<OptionProblem> Validate(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<OptionProblem>();
        foreach (var property in ConfigNames.Settable(options.GetType()))
        {
            var name = ConfigNames.Of(property);
            var value = property.GetValue(options);
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
                if (Check(attribute, value) is { } message) problems.Add(new OptionProblem(name, message));
        }
        if (options is IValidatableObject validatable)
            foreach (var result in validatable.Validate(new ValidationContext(options)))
            {
                var member = result.MemberNames.FirstOrDefault();
                var property = member is null ? null : options.GetType().GetProperty(member);
                problems.Add(new OptionProblem(property is null ? null : ConfigNames.Of(property), result.ErrorMessage ?? "is invalid"));
            }
        return problems;
    }

    /// <summary>
    /// Every problem with <paramref name="options"/> (nothing when null) as <c>PATH.property: message</c> lines under
    /// <paramref name="path"/>, for options objects checked again after code changed them (command-line overrides).
    /// </summary>
    public static IEnumerable<string> Problems(object? options, string path) =>
        options is null ? [] : Validate(options).Select(p => p.Property is null ? $"{path}: {p.Message}" : $"{ConfigNames.Child(path, p.Property)}: {p.Message}");

    /// <summary>What is wrong with <paramref name="value"/> by <paramref name="attribute"/>, or null.</summary>
    internal static string? Check(ValidationAttribute attribute, object? value) => attribute switch
    {
        RequiredAttribute required => value is null || (value is string s && !required.AllowEmptyStrings && string.IsNullOrWhiteSpace(s)) ? required.ErrorMessage ?? "is required" : null,
        RangeAttribute range => value is null ? null : CheckRange(range, value),
        AllowedValuesAttribute allowed => value is null || allowed.Values.Any(v => Equals(v, value)) ? null
            : $"\"{value}\" is not one of {string.Join(", ", allowed.Values.Select(v => $"\"{v}\""))}.{NameSuggestions.DidYouMean(value.ToString() ?? "", allowed.Values.Select(v => v?.ToString() ?? ""), "\"")}",
        MinLengthAttribute min => value switch
        {
            string s when s.Length < min.Length => min.Length == 1 ? "must not be empty" : $"must have at least {min.Length} characters",
            ICollection c when c.Count < min.Length => min.Length == 1 ? "must not be empty" : $"must have at least {min.Length} items",
            _ => null,
        },
        _ => attribute.IsValid(value) ? null : attribute.FormatErrorMessage("value"),
    };

    private static string? CheckRange(RangeAttribute range, object value)
    {
        var number = value switch
        {
            TimeSpan t => t.TotalSeconds,
            IConvertible c => c.ToDouble(CultureInfo.InvariantCulture),
            _ => double.NaN,
        };
        var min = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
        var max = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
        var aboveMin = range.MinimumIsExclusive ? number > min : number >= min;
        var belowMax = range.MaximumIsExclusive ? number < max : number <= max;
        if (aboveMin && belowMax) return null;
        var got = Format(number);
        var unit = value is TimeSpan ? " s" : "";
        if (max >= int.MaxValue && !range.MaximumIsExclusive)
            return range.MinimumIsExclusive ? $"must be greater than {Format(min)}{unit} (got {got})" : $"must be at least {Format(min)}{unit} (got {got})";
        if (!range.MinimumIsExclusive && !range.MaximumIsExclusive) return $"must be between {Format(min)} and {Format(max)}{unit} (got {got})";
        var low = range.MinimumIsExclusive ? $"greater than {Format(min)}" : $"at least {Format(min)}";
        var high = range.MaximumIsExclusive ? $"less than {Format(max)}" : $"at most {Format(max)}";
        return $"must be {low} and {high}{unit} (got {got})";
    }

    private static string Format(double d) => d.ToString("0.######", CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace Forge.Environments.MathReasoning;

/// <summary>Why an expression could not be evaluated; the message says what and where (1-based character position).</summary>
public sealed class CalculationException(string message) : Exception(message);

/// <summary>
/// A safe arithmetic evaluator: numbers with optional decimals, <c>+ - * / ^</c>, parentheses and unary signs.
/// <c>^</c> binds tighter than unary minus and groups to the right (<c>-2^2 = -4</c>, <c>2^3^2 = 512</c>).
/// No names, no functions, bounded length, nesting and exponents: nothing an agent writes can run code or hang it.
/// </summary>
public static class Calculator
{
    /// <summary>The longest expression accepted, in characters.</summary>
    public const int MaxLength = 1_000;

    /// <summary>The deepest nesting of parentheses and signs accepted.</summary>
    public const int MaxDepth = 64;

    /// <summary>The largest exponent magnitude accepted.</summary>
    public const double MaxExponent = 1_000;

    /// <summary>Evaluates <paramref name="expression"/>; throws <see cref="CalculationException"/> with a clear message for bad input.</summary>
    public static double Evaluate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length > MaxLength) throw new CalculationException($"the expression has {expression.Length} characters; the limit is {MaxLength}");
        if (string.IsNullOrWhiteSpace(expression)) throw new CalculationException("the expression is empty");
        var parser = new Parser(expression);
        var value = parser.ParseAll();
        return Finite(value, "the result");
    }

    /// <summary>Writes a result the way the tool answers: integers without a decimal point, others with at most 10 decimals.</summary>
    public static string Format(double value)
    {
        var rounded = System.Math.Round(value, 10);
        return rounded == 0 ? "0" : rounded.ToString("0.##########", CultureInfo.InvariantCulture);
    }

    private static double Finite(double value, string what) =>
        double.IsNaN(value) ? throw new CalculationException($"{what} is not a real number")
        : double.IsInfinity(value) ? throw new CalculationException($"{what} is too large")
        : value;

    private sealed class Parser(string text)
    {
        private int _position;
        private int _depth;

        public double ParseAll()
        {
            var value = Sum();
            SkipSpaces();
            if (_position < text.Length)
                throw Unexpected();
            return value;
        }

        // sum := product (('+' | '-') product)*
        private double Sum()
        {
            var value = Product();
            while (true)
            {
                if (Accept('+')) value = Finite(value + Product(), "the sum");
                else if (Accept('-')) value = Finite(value - Product(), "the difference");
                else return value;
            }
        }

        // product := signed (('*' | '/') signed)*
        private double Product()
        {
            var value = Signed();
            while (true)
            {
                if (Accept('*')) value = Finite(value * Signed(), "the product");
                else if (Accept('/'))
                {
                    var at = _position;
                    var divisor = Signed();
                    if (divisor == 0) throw new CalculationException($"division by zero at position {at}");
                    value = Finite(value / divisor, "the quotient");
                }
                else return value;
            }
        }

        // signed := ('-' | '+') signed | power
        private double Signed()
        {
            using var _ = Nest();
            if (Accept('-')) return -Signed();
            if (Accept('+')) return Signed();
            return Power();
        }

        // power := atom ('^' signed)?
        private double Power()
        {
            var value = Atom();
            if (!Accept('^')) return value;
            var at = _position;
            var exponent = Signed();
            if (System.Math.Abs(exponent) > MaxExponent)
                throw new CalculationException($"the exponent {Format(exponent)} at position {at} is too large (the limit is {MaxExponent:0})");
            if (value == 0 && exponent < 0) throw new CalculationException($"division by zero: 0 raised to a negative power at position {at}");
            return Finite(System.Math.Pow(value, exponent), $"the power at position {at}");
        }

        // atom := number | '(' sum ')'
        private double Atom()
        {
            SkipSpaces();
            if (_position >= text.Length) throw new CalculationException("the expression ends too early: a number or '(' is missing at the end");
            var open = _position + 1;
            if (Accept('('))
            {
                using var _ = Nest();
                var value = Sum();
                if (!Accept(')')) throw _position >= text.Length ? new CalculationException($"the '(' at position {open} is never closed") : Unexpected();
                return value;
            }
            return Number();
        }

        private double Number()
        {
            var start = _position;
            while (_position < text.Length && char.IsAsciiDigit(text[_position])) _position++;
            if (_position < text.Length && text[_position] == '.')
            {
                _position++;
                var fraction = _position;
                while (_position < text.Length && char.IsAsciiDigit(text[_position])) _position++;
                if (_position == fraction) throw new CalculationException($"a digit must follow the '.' at position {fraction}");
            }
            if (_position == start || (_position == start + 1 && text[start] == '.')) throw Unexpected();
            return Finite(double.Parse(text.AsSpan(start, _position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture), $"the number at position {start + 1}");
        }

        private bool Accept(char c)
        {
            SkipSpaces();
            if (_position < text.Length && text[_position] == c) { _position++; return true; }
            return false;
        }

        private void SkipSpaces()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position])) _position++;
        }

        private CalculationException Unexpected()
        {
            SkipSpaces();
            return _position >= text.Length
                ? new CalculationException("the expression ends too early: a number or '(' is missing at the end")
                : new CalculationException($"unexpected '{text[_position]}' at position {_position + 1}");
        }

        private DepthScope Nest()
        {
            if (++_depth > MaxDepth) throw new CalculationException($"the expression is nested more than {MaxDepth} levels deep");
            return new DepthScope(this);
        }

        private readonly struct DepthScope(Parser parser) : IDisposable
        {
            public void Dispose() => parser._depth--;
        }
    }
}

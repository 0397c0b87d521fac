using System.Globalization;
using Forge.Core.Scripted;

namespace Forge.Environments.MathReasoning;

/// <summary>
/// Generates arithmetic problems from a seed, in three sizes that cycle with the index: one operation
/// (<c>47 + 85</c>), two (<c>(12 - 30) * 4</c>) and three with a power and a decimal (<c>3 ^ 2 + 7.5 * 4 - 11</c>).
/// Divisions always come out even; answers are computed by <see cref="Calculator"/>.
/// </summary>
public sealed class ArithmeticTasks : ITaskGenerator<MathTask>
{
    /// <inheritdoc />
    public MathTask Generate(int seed, int index)
    {
        var random = StableRandom.For(seed, index, salt: 0xA417);
        var expression = (index % 3) switch
        {
            0 => Operation(random, Operand(random)),
            1 => Operation(random, $"({Operation(random, Operand(random))})"),
            _ => $"{random.Next(2, 10)} ^ {random.Next(2, 4)} + {(random.Next(1, 100) / 2.0).ToString("0.0", CultureInfo.InvariantCulture)} * {Operand(random)} - {Operand(random)}",
        };
        return new MathTask($"arith-{seed}-{index}", $"What is {expression}?", Calculator.Evaluate(expression), expression);
    }

    private static string Operand(Random random) => random.Next(1, 100).ToString(CultureInfo.InvariantCulture);

    /// <summary><paramref name="left"/> combined with a new operand; a division only where it comes out even.</summary>
    private static string Operation(Random random, string left)
    {
        var op = random.Next(4);
        if (op == 3)
        {
            var value = (long)Calculator.Evaluate(left);
            var divisors = Enumerable.Range(2, 11).Where(d => value != 0 && value % d == 0).ToList();
            if (divisors.Count > 0) return $"{left} / {divisors[random.Next(divisors.Count)]}";
            op = 2;
        }
        return $"{left} {"+-*"[op]} {Operand(random)}";
    }
}

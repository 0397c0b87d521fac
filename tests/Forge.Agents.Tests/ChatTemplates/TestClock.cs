namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>A clock stopped at <see cref="Now"/> in UTC: what <c>strftime_now</c> reads in the tests, here and in the reference.</summary>
internal sealed class TestClock : TimeProvider
{
    public static readonly DateTimeOffset Now = new(2026, 12, 4, 20, 30, 15, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}

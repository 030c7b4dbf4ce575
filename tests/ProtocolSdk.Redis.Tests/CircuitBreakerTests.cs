using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Redis.Internal;

namespace ProtocolSdk.Redis.Tests;

public sealed class CircuitBreakerTests
{
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    private CircuitBreaker Breaker() =>
        new(_time, breakAfterFailures: 3, BreakDuration, new CircuitLog(NullLogger.Instance, _time, ClusterFailureMode.FailLocal, BreakDuration));

    [Fact]
    public void Opens_after_the_given_failures_in_a_row_only()
    {
        CircuitBreaker breaker = Breaker();
        breaker.OnFailure("x");
        breaker.OnFailure("x");
        breaker.OnSuccess(); // the run is broken
        breaker.OnFailure("x");
        breaker.OnFailure("x");
        Assert.True(breaker.TryEnter());

        breaker.OnFailure("x");

        Assert.False(breaker.IsClosed);
        Assert.False(breaker.TryEnter());
    }

    [Fact]
    public void After_the_break_exactly_one_probe_goes_and_its_outcome_decides()
    {
        CircuitBreaker breaker = Breaker();
        for (int i = 0; i < 3; i++) breaker.OnFailure("x");

        _time.Advance(BreakDuration - TimeSpan.FromMilliseconds(1));
        Assert.False(breaker.TryEnter());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(breaker.TryEnter());  // the probe
        Assert.False(breaker.TryEnter()); // everyone else while it is out

        breaker.OnFailure("x"); // the probe failed: open for another break
        Assert.False(breaker.TryEnter());
        _time.Advance(BreakDuration);
        Assert.True(breaker.TryEnter());

        breaker.OnSuccess();
        Assert.True(breaker.IsClosed);
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void An_abandoned_probe_lets_the_next_call_probe_at_once()
    {
        CircuitBreaker breaker = Breaker();
        for (int i = 0; i < 3; i++) breaker.OnFailure("x");
        _time.Advance(BreakDuration);
        Assert.True(breaker.TryEnter());

        breaker.OnAbandoned();

        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void Logs_an_opening_and_its_closing_but_not_every_flap()
    {
        var logger = new CountingLogger();
        var log = new CircuitLog(logger, _time, ClusterFailureMode.FailLocal, BreakDuration);
        var breaker = new CircuitBreaker(_time, 1, BreakDuration, log);

        for (int flap = 0; flap < 5; flap++)
        {
            breaker.OnFailure("x");
            breaker.OnSuccess();
        }
        Assert.Equal(2, logger.Lines);

        _time.Advance(CircuitLog.Interval);
        breaker.OnFailure("x");
        Assert.Equal(3, logger.Lines);
        Assert.Contains("8 earlier breaker change(s) not logged", logger.Last);
    }

    private sealed class CountingLogger : Microsoft.Extensions.Logging.ILogger
    {
        public int Lines;
        public string Last = "";

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            Lines++;
            Last = formatter(state, exception);
        }
    }
}

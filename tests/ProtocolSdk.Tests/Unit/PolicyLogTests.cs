using Microsoft.Extensions.Logging;
using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Integration;
using ProtocolSdk.Tests.Policies;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Unit;

/// <summary>Policy decisions are logged through the server's logger, once each, rate-limited.</summary>
public class PolicyLogTests
{
    [Fact]
    public void Admission_rejections_are_logged_with_reason_and_peer_and_a_flood_is_summarised()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(logs);
        for (int i = 0; i < 50; i++) Assert.True(host.Connect(new RejectAll(), "10.0.0.7").WasRejected);

        var rejected = logs.Entries.Where(e => e.Message.Contains("rejected")).ToArray();
        Assert.Equal(20, rejected.Length); // at most 20 lines per 10 s
        Assert.All(rejected, e =>
        {
            Assert.Equal(LogLevel.Information, e.Level);
            Assert.Matches(@"^RejectAll: connection from 10\.0\.0\.7:\d+ rejected: closed for maintenance\.$", e.Message);
        });

        host.Advance(TimeSpan.FromSeconds(10));
        host.Connect(new RejectAll(), "10.0.0.8");
        var summary = Assert.Single(logs.Entries, e => e.Message.Contains("suppressed"));
        Assert.Equal("Policy log: suppressed 30 line(s) in the last 10 s.", summary.Message);
        Assert.Contains(logs.Entries, e => e.Message.Contains("10.0.0.8"));
    }

    [Fact]
    public void A_policy_close_is_logged_once_with_the_policy_reason_and_the_peer()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(logs);
        var conn = host.Connect(new LineEcho(), "10.9.9.9");
        conn.Send("this line is far longer than sixteen bytes\r\n");

        Assert.Equal(DisconnectKind.PolicyViolation, conn.Transport.LostReason!.Value.Kind);
        var entry = Assert.Single(logs.Entries, e => e.Message.Contains("closed by policy"));
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("10.9.9.9:", entry.Message);
        Assert.Contains(conn.Transport.LostReason!.Value.Message!, entry.Message); // names the limit that was passed
    }

    [Fact]
    public void Ordinary_closes_log_nothing()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(logs);
        host.Connect(new LineEcho()).Close();
        host.Connect(new LineEcho()).Reset();
        Assert.Empty(logs.Entries);
    }
}

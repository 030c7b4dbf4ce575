using System.Net;
using Microsoft.Extensions.Logging;
using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Policies;

/// <summary>Twisted test_policies.py LoggingFactoryTests, against the generated [LogTraffic] code.</summary>
public class LogTrafficPolicyTests
{
    private const string Category = "ProtocolSdk.Tests.Policies.LoggedProtocol";

    [Fact]
    public void Logs_made_received_sent_and_lost_with_the_length_limit()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(logs);
        var conn = host.Connect(new LoggedProtocol(), new IPEndPoint(IPAddress.Parse("10.1.2.3"), 5555));

        conn.Send("hi\r\n");
        conn.Send("a long line of text\n");
        conn.Send(new byte[] { 0, 0x7f, (byte)'\\', (byte)'\t' });
        conn.Close();

        var messages = logs.Messages(Category).ToArray();
        Assert.Equal(8, messages.Length);
        Assert.Matches(@"^\d+: connection made from 10\.1\.2\.3:5555 to 127\.0\.0\.1:7000$", messages[0]);
        string n = messages[0][..messages[0].IndexOf(':', StringComparison.Ordinal)];
        Assert.Equal($"C {n}: hi\\r\\n", messages[1]);
        Assert.Equal($"S {n}: hi\\r\\n", messages[2]);
        Assert.Equal($"C {n}: a long l... (20 bytes)", messages[3]);
        Assert.Equal($"S {n}: a long l... (20 bytes)", messages[4]);
        Assert.Equal($"C {n}: \\x00\\x7f\\\\\\t", messages[5]);
        Assert.Equal($"{n}: connection lost: PeerClosed", messages[7]);
        Assert.All(logs.Entries.Where(e => e.Category == Category), e => Assert.Equal(LogLevel.Information, e.Level));
    }

    [Fact]
    public void Connections_are_numbered()
    {
        var logs = new RecordingLoggerProvider();
        using var host = new ProtocolTestHost(logs);
        host.Connect(new LoggedProtocol()).Send("1");
        host.Connect(new LoggedProtocol()).Send("2");
        var received = logs.Messages(Category).Where(m => m.StartsWith("C ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, received.Length);
        Assert.NotEqual(received[0].Split(':')[0], received[1].Split(':')[0]);
    }
}

using System.Net.Sockets;
using System.Text;
using ProtocolSdk.Reliability.Support;
using Xunit.Abstractions;

namespace ProtocolSdk.Reliability;

/// <summary>
/// Scenario 5. An exception from any callback (and from a [UsePolicy] struct) closes only that connection, with
/// DisconnectKind.CallbackError carrying the very exception; it is logged exactly once; the server serves the next client.
/// </summary>
[Collection(Serial.Name)]
public class CallbackExceptionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ThrowAt.ConnectionMade)]
    [InlineData(ThrowAt.DataReceived)]
    [InlineData(ThrowAt.MessageReceived)]
    [InlineData(ThrowAt.Policy)]
    [InlineData(ThrowAt.TimeoutConnection)]
    [InlineData(ThrowAt.ConnectionLost)]
    public async Task A_throwing_callback_closes_only_its_connection(ThrowAt at)
    {
        using var unobserved = new UnobservedTaskWatch();
        var log = new RecordingLoggerFactory();
        var made = new System.Collections.Concurrent.ConcurrentQueue<ThrowerBase>();
        var nextAt = at;
        var server = await ProtocolServer.ListenTcpAsync<ThrowerBase>(Net.AnyPort, () =>
        {
            ThrowerBase p = at == ThrowAt.MessageReceived ? new FramedThrower(nextAt) : new Thrower(nextAt);
            made.Enqueue(p);
            return p;
        }, new ProtocolServerOptions { LoggerFactory = log });
        await using var _ = server;

        try
        {
            using var client = await Net.ConnectAsync(server.LocalEndPoint, Net.Honest);
            if (at != ThrowAt.ConnectionMade)
            {
                await Net.ReadExactlyAsync(client, new byte[3]); // "hi\n"
            }
            switch (at)
            {
                case ThrowAt.DataReceived:
                case ThrowAt.MessageReceived:
                    await client.SendAsync("x\n"u8.ToArray(), SocketFlags.None);
                    break;
                case ThrowAt.Policy:
                    await client.SendAsync("P\n"u8.ToArray(), SocketFlags.None);
                    break;
                case ThrowAt.ConnectionLost:
                    client.Shutdown(SocketShutdown.Send);
                    break;
            }
            var (bytes, clean) = await Net.DrainAsync(client);
            Assert.Equal(0, bytes);
            output.WriteLine($"{at}: client saw {(clean ? "EOF" : "reset")}");
        }
        catch (SocketException) when (at == ThrowAt.ConnectionMade)
        {
            output.WriteLine($"{at}: the reset beat the client's connect completion");
        }

        Assert.True(made.TryDequeue(out var victim));
        await victim!.Lost.Task.WithTimeout("ConnectionLost");
        await Net.WaitUntilAsync(() => victim.Thrown is not null && log.CountFor(victim.Thrown) > 0, "error logged");
        var thrown = victim.Thrown!;
        var reason = victim.Reason!.Value;
        if (at == ThrowAt.ConnectionLost)
        {
            Assert.Equal(DisconnectKind.PeerClosed, reason.Kind); // the connection had already ended cleanly
        }
        else
        {
            Assert.Equal(DisconnectKind.CallbackError, reason.Kind);
            Assert.Same(thrown, reason.Exception);
        }

        // The server is unaffected: the next client is served.
        nextAt = ThrowAt.Nowhere;
        using (var next = await Net.ConnectAsync(server.LocalEndPoint, Net.Honest))
        {
            await Net.ReadExactlyAsync(next, new byte[3]);
            var reply = new byte[3];
            await Net.EchoOnceAsync(next, "ok\n"u8.ToArray(), reply);
            Assert.Equal("ok\n", Encoding.ASCII.GetString(reply));
        }

        await server.DisposeAsync();
        Assert.Equal(1, log.CountFor(thrown)); // exactly once, also after shutdown
        output.WriteLine($"{at}: reason {reason}; logged as '{log.Entries.First(e => ReferenceEquals(e.Exception, thrown)).Message}'");
        Assert.Equal(1, log.Entries.Count(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error));
        unobserved.AssertNone();
    }
}

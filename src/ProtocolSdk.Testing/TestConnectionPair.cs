using System;
using System.Threading.Tasks;

namespace ProtocolSdk.Testing;

/// <summary>
/// Two protocols joined over memory, a server end and a client end, made by
/// <see cref="ProtocolTestHost.ConnectPair(Protocol, Protocol)"/> or <see cref="ProtocolTestHost.ConnectTlsPair"/>. Both ends run the real
/// transport (the one over sockets), TLS included, on the host's fake clock: deadlines (the TLS handshake's,
/// <c>[Timeout]</c>, the linger) and throttle refills move only when the test advances it. The bytes themselves move
/// asynchronously, on thread-pool threads, as over a socket: await <see cref="Established"/>, then wait for what the
/// protocols report (a <see cref="TaskCompletionSource"/> they complete, or <see cref="WaitUntilAsync"/>).
/// </summary>
public sealed class TestConnectionPair : IDisposable
{
    internal TestConnectionPair(TestPairEnd server, TestPairEnd client)
    {
        Server = server;
        Client = client;
        Established = Task.WhenAll(server.Made, client.Made);
        Closed = Task.WhenAll(server.Closed, client.Closed);
    }

    /// <summary>The end the server protocol runs on (it accepted the connection; the TLS server, if any).</summary>
    public TestPairEnd Server { get; }

    /// <summary>The end the client protocol runs on (it connected; the TLS client, if any).</summary>
    public TestPairEnd Client { get; }

    /// <summary>Completes once both ends ran ConnectionMade (both handshakes done); faults if either end failed.</summary>
    public Task Established { get; }

    /// <summary>Completes once both ends ended (ConnectionLost ran on each end that was made).</summary>
    public Task Closed { get; }

    /// <summary>
    /// Waits (on real time, up to <paramref name="timeout"/>, default 10 s) until <paramref name="condition"/> holds, for
    /// state the protocols do not signal themselves (reading paused by a throttle, a byte count).
    /// </summary>
    /// <exception cref="TimeoutException">The condition did not hold in time; the message names <paramref name="what"/>.</exception>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting for: " + what);
            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    /// <summary>Aborts both ends (reason <see cref="DisconnectKind.ServerShutdown"/>); <see cref="Closed"/> then completes.</summary>
    public void Dispose()
    {
        Server.Abort(DisconnectReason.ServerShutdown);
        Client.Abort(DisconnectReason.ServerShutdown);
    }
}

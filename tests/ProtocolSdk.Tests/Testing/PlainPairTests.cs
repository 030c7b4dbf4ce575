using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Integration;

namespace ProtocolSdk.Tests.Testing;

/// <summary>Plaintext pairs and admission on pairs: the window between the ends, and what runs synchronously.</summary>
public class PlainPairTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_plaintext_pair_is_made_synchronously_and_its_window_pushes_back_on_the_sender()
    {
        using var host = new ProtocolTestHost { PairWindow = 32 * 1024 };
        var big = new byte[1_000_000];
        new Random(2).NextBytes(big);
        var server = new PairProbe { Greeting = big };
        var client = new PairProbe { PauseOnConnect = true };

        using var pair = host.ConnectPair(server, client);

        Assert.True(pair.Established.IsCompletedSuccessfully, "plaintext: ConnectionMade ran on both ends inside ConnectPair");
        // The client does not read: the window fills, the rest stays queued at the server, which pauses its own reading.
        await TestConnectionPair.WaitUntilAsync(() => pair.Server.Transport.BufferedBytes == big.Length - 32 * 1024, "the window to fill");
        Assert.True(pair.Server.Transport.IsReadingPaused, "above the high-water mark: backpressure");
        Assert.Equal(0, client.ReceivedCount);

        pair.Client.Transport.ResumeReading();
        await client.WhenReceived(big.Length).WaitAsync(Wait);
        Assert.Equal(big, client.Received);
        await TestConnectionPair.WaitUntilAsync(() => !pair.Server.Transport.IsReadingPaused, "the backpressure to clear");
    }

    [Fact]
    public async Task A_pair_still_handshaking_holds_its_MaxConnections_slot_until_its_deadline()
    {
        using var host = new ProtocolTestHost();
        var first = new SingleConnectionProbe();
        using var handshaking = host.ConnectPair(first, new PairProbe(), TlsTestSupport.ServerOptions(), clientTls: null);

        var second = new SingleConnectionProbe();
        using var refused = host.ConnectPair(second, new PairProbe(), TlsTestSupport.ServerOptions(), clientTls: null);
        // Admission runs inside ConnectPair, before any TLS work: the refusal is already known.
        Assert.True(refused.Server.Made.IsFaulted, "the slot is held by the connection still handshaking");
        await refused.Server.Closed.WaitAsync(Wait);

        host.Advance(ProtocolServerOptions.DefaultTlsHandshakeTimeout + TimeSpan.FromMilliseconds(100));
        await handshaking.Server.Closed.WaitAsync(Wait);

        var third = new SingleConnectionProbe();
        using var admitted = host.ConnectTlsPair(third, new PairProbe(), TlsTestSupport.ServerOptions(), TlsTestSupport.ClientOptions());
        await admitted.Established.WaitAsync(Wait);
        Assert.Equal(1, third.MadeCount);
        Assert.Equal(0, first.MadeCount + second.MadeCount);
    }
}

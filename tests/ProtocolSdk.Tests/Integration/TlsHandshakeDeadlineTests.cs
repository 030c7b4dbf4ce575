using Microsoft.Extensions.Time.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>The handshake deadline on the server's TimeProvider (a fake clock): absolute, and separate from [Timeout].</summary>
public class TlsHandshakeDeadlineTests
{
    [Fact]
    public async Task A_silent_connection_survives_1_9_s_and_is_cut_at_2_s_of_the_servers_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var made = new ProtocolCollector<TlsEchoProtocol>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new TlsEchoProtocol()), new ProtocolServerOptions
        {
            TimeProvider = clock,
            Tls = TlsTestSupport.ServerOptions(),
            TlsHandshakeTimeout = TimeSpan.FromSeconds(2),
        });
        using var silent = await Loopback.ConnectAsync(server.LocalEndPoint);
        await Loopback.WaitUntilAsync(() => server.ConnectionCount == 1 && server.PendingTimers == 1, "the handshake deadline scheduled");

        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(1, server.SocketCount); // admitted, handshaking, not yet cut
        Assert.Equal(1, server.ConnectionCount); // handshaking connections count (toward [MaxConnections] too)

        clock.Advance(TimeSpan.FromMilliseconds(150));
        await Loopback.WaitForCloseAsync(silent);
        await Loopback.WaitUntilAsync(() => server.SocketCount == 0 && server.ConnectionCount == 0, "the connection released");
        Assert.Equal(0, made.All.Single().Made);
        Assert.Equal(0, server.PendingTimers);
    }

    [Fact]
    public async Task A_connection_over_MaxConnections_is_refused_before_any_TLS_work()
    {
        var made = new ProtocolCollector<OneTlsConnection>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new OneTlsConnection()),
            new ProtocolServerOptions { Tls = TlsTestSupport.ServerOptions() });
        using var first = await Loopback.ConnectAsync(server.LocalEndPoint); // silent: still handshaking, but counted
        await Loopback.WaitUntilAsync(() => server.ConnectionCount == 1, "the first connection admitted");

        // Refused by [MaxConnections] while the first one handshakes: the reset can even beat the connect's completion.
        try
        {
            using var second = await Loopback.ConnectAsync(server.LocalEndPoint);
            await Loopback.WaitForCloseAsync(second);
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
        {
        }
        Assert.True(server.ConnectionCount == 1, $"ConnectionCount {server.ConnectionCount}, sockets {server.SocketCount}");
        Assert.True(made.All.All(protocol => protocol.Made == 0), $"made: {string.Join(",", made.All.Select(p => p.Made))}");
    }
}

[MaxConnections(Total = 1)]
public sealed partial class OneTlsConnection : Protocol
{
    public int Made;

    public override void ConnectionMade() => Made++;
}

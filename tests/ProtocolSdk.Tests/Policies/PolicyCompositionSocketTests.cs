using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Policies;

[MaxConnections(Total = 3, PerPeer = 0)]
public sealed partial class ThreeInAllGreeter : Protocol
{
    public override void ConnectionMade() => Transport.Write("hi"u8);
}

[MaxConnections(Total = 0, PerPeer = 2)]
public sealed partial class TwoPerPeerGreeter : Protocol
{
    public override void ConnectionMade() => Transport.Write("hi"u8);
}

[Timeout(2)]
public partial class IdleGreeterBase : Protocol
{
    public override void ConnectionMade() => Transport.Write("hi"u8);
}

[MaxConnections(Total = 3)]
public sealed partial class LimitedIdleGreeter : IdleGreeterBase { }

/// <summary>Issue #10 over real sockets (127.0.0.1, port 0): the explicit-zero forms and an inherited [Timeout] hold.</summary>
[Collection(TimingSensitiveSockets.Name)]
public class PolicyCompositionSocketTests
{
    [Fact]
    public async Task Total_3_with_PerPeer_0_admits_three_and_refuses_the_fourth()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<ThreeInAllGreeter>(Loopback.AnyPort);
        var admitted = new List<Socket>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var client = await Loopback.ConnectAsync(server.LocalEndPoint, IPAddress.Parse("127.0.0.1"));
                admitted.Add(client);
                Assert.Equal("hi"u8.ToArray(), await Loopback.ReadExactlyAsync(client, 2));
            }
            Assert.Equal(0, await ReceiveFromRefusedAsync(server.LocalEndPoint, IPAddress.Parse("127.0.0.2")));
        }
        finally
        {
            foreach (var client in admitted) client.Dispose();
        }
    }

    [Fact]
    public async Task Total_0_with_PerPeer_2_admits_two_per_address()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<TwoPerPeerGreeter>(Loopback.AnyPort);
        var admitted = new List<Socket>();
        try
        {
            foreach (var address in new[] { "127.0.0.1", "127.0.0.2" })
            {
                for (int i = 0; i < 2; i++)
                {
                    var client = await Loopback.ConnectAsync(server.LocalEndPoint, IPAddress.Parse(address));
                    admitted.Add(client);
                    Assert.Equal("hi"u8.ToArray(), await Loopback.ReadExactlyAsync(client, 2));
                }
                Assert.Equal(0, await ReceiveFromRefusedAsync(server.LocalEndPoint, IPAddress.Parse(address)));
            }
        }
        finally
        {
            foreach (var client in admitted) client.Dispose();
        }
    }

    [Fact]
    public async Task An_inherited_Timeout_2_and_a_derived_MaxConnections_Total_3_both_hold()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<LimitedIdleGreeter>(Loopback.AnyPort);
        var admitted = new List<Socket>();
        try
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 3; i++)
            {
                var client = await Loopback.ConnectAsync(server.LocalEndPoint);
                admitted.Add(client);
                Assert.Equal("hi"u8.ToArray(), await Loopback.ReadExactlyAsync(client, 2));
            }
            Assert.Equal(0, await ReceiveFromRefusedAsync(server.LocalEndPoint, IPAddress.Loopback));
            // The timeout aborts (a reset, so no clean EOF); WaitForCloseAsync throws if it never comes.
            foreach (var client in admitted) await Loopback.WaitForCloseAsync(client);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), "closed after " + clock.Elapsed.TotalSeconds + " s, before the 2 s timeout");
        }
        finally
        {
            foreach (var client in admitted) client.Dispose();
        }
    }

    /// <summary>The server accepts and resets a refused connection at once (the reset may beat the connect): no greeting either way.</summary>
    private static async Task<int> ReceiveFromRefusedAsync(IPEndPoint server, IPAddress from)
    {
        try
        {
            using var refused = await Loopback.ConnectAsync(server, from);
            return await refused.ReceiveAsync(new byte[16], SocketFlags.None).WithTimeout("refused connection closes");
        }
        catch (SocketException)
        {
            return 0;
        }
    }
}

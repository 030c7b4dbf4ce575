using System.Net;
using System.Net.Sockets;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

public class EchoTests
{
    [Fact]
    public async Task Port_zero_reports_the_chosen_port_and_echoes()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort);
        Assert.NotEqual(0, server.LocalEndPoint.Port);

        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("hello"u8.ToArray(), SocketFlags.None);
        var echoed = await Loopback.ReadExactlyAsync(client, 5);
        Assert.Equal("hello"u8.ToArray(), echoed);
    }

    [Fact]
    public async Task IPv6_loopback_works()
    {
        if (!Socket.OSSupportsIPv6) return;
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
        Assert.Equal(new byte[] { 1, 2, 3 }, await Loopback.ReadExactlyAsync(client, 3));
    }

    [Fact]
    public async Task Many_connections_echo_several_megabytes_each_way_byte_exact()
    {
        const int connections = 16;
        const int size = 4 * 1024 * 1024;
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort);

        var tasks = Enumerable.Range(0, connections).Select(async i =>
        {
            var payload = new byte[size];
            new Random(i).NextBytes(payload);
            using var client = await Loopback.ConnectAsync(server.LocalEndPoint);
            var send = Task.Run(async () =>
            {
                for (int off = 0; off < size; off += 65536)
                {
                    await client.SendAsync(payload.AsMemory(off, Math.Min(65536, size - off)), SocketFlags.None);
                }
            });
            var echoed = await Loopback.ReadExactlyAsync(client, size);
            await send;
            Assert.True(payload.AsSpan().SequenceEqual(echoed), $"connection {i} echoed different bytes");
        });
        await Task.WhenAll(tasks).WithTimeout("echo of all connections");
    }
}

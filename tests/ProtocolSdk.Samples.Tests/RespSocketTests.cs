using System.Net;
using System.Net.Sockets;
using System.Text;
using Resp;

namespace ProtocolSdk.Samples.Tests;

/// <summary>The sample over a real socket on 127.0.0.1, with a raw TCP client.</summary>
public class RespSocketTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static async Task<string> ReadUntilAsync(Socket socket, string expectedEnd, int maxBytes = 1 << 20)
    {
        var received = new MemoryStream();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(Timeout);
        while (received.Length < maxBytes)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            received.Write(buffer, 0, n);
            if (Encoding.ASCII.GetString(received.ToArray()).EndsWith(expectedEnd, StringComparison.Ordinal)) break;
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(endpoint, cts.Token);
        return socket;
    }

    [Fact]
    public async Task Raw_client_pipelines_split_writes_and_large_values()
    {
        var store = new KeyValueStore();
        await using var server = await ProtocolServer.ListenTcpAsync(new IPEndPoint(IPAddress.Loopback, 0), () => new RespProtocol(store));
        using var client = await ConnectAsync(server.LocalEndPoint);

        // A pipeline sent in two writes that split a command in the middle.
        var pipeline = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\nPING\r\n");
        await client.SendAsync(pipeline.AsMemory(0, 20), SocketFlags.None);
        await client.SendAsync(pipeline.AsMemory(20), SocketFlags.None);
        Assert.Equal("+OK\r\n$3\r\nbar\r\n+PONG\r\n", await ReadUntilAsync(client, "+PONG\r\n"));

        // A 1 MiB value goes in and comes back byte-exact.
        var value = new string('z', 1 << 20);
        await client.SendAsync(Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${value.Length}\r\n{value}\r\n*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n"), SocketFlags.None);
        var reply = await ReadUntilAsync(client, value + "\r\n", 2 << 20);
        Assert.Equal($"+OK\r\n${value.Length}\r\n{value}\r\n", reply);
    }

    [Fact]
    public async Task Oversized_bulk_gets_an_error_and_the_connection_closes()
    {
        await using var server = await ProtocolServer.ListenTcpAsync(new IPEndPoint(IPAddress.Loopback, 0), () => new RespProtocol(new KeyValueStore()));
        using var client = await ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("*2\r\n$3\r\nGET\r\n$600000000\r\n"u8.ToArray(), SocketFlags.None);
        var reply = await ReadUntilAsync(client, "never");  // reads until EOF
        Assert.Equal("-ERR Protocol error: invalid bulk length\r\n", reply);
    }

    [Fact]
    public async Task Many_clients_increment_concurrently()
    {
        var store = new KeyValueStore();
        await using var server = await ProtocolServer.ListenTcpAsync(new IPEndPoint(IPAddress.Loopback, 0), () => new RespProtocol(store));
        const int clients = 8, perClient = 200;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            using var client = await ConnectAsync(server.LocalEndPoint);
            var batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n", perClient)));
            await client.SendAsync(batch, SocketFlags.None);
            var replies = await ReadUntilAsync(client, "\r\n", 1 << 20);
            // read until all replies are there
            while (replies.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length < perClient)
            {
                replies += await ReadUntilAsync(client, "\r\n");
            }
            Assert.All(replies.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), r => Assert.StartsWith(":", r));
        }));
        Assert.True(store.TryGet("counter"u8, out var total));
        Assert.Equal((clients * perClient).ToString(), Encoding.ASCII.GetString(total));
    }
}

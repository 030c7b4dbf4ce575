using System.Net;
using System.Net.Sockets;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Tests.Testing;

/// <summary>The in-memory medium under the test kit's pairs behaves like a non-blocking TCP socket.</summary>
public class MemoryMediumTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static (MemoryMedium Server, MemoryMedium Client) Pair(int window = 8) =>
        MemoryMedium.CreatePair(new IPEndPoint(IPAddress.Loopback, 7000), new IPEndPoint(IPAddress.Loopback, 40000), window);

    [Fact]
    public void A_full_window_takes_nothing_more_until_the_peer_reads()
    {
        var (server, client) = Pair(window: 8);
        Assert.Equal(8, client.Send(new byte[10], out var error));
        Assert.Equal(SocketError.Success, error);
        Assert.Equal(0, client.Send(new byte[1], out error));
        Assert.Equal(SocketError.WouldBlock, error);

        Assert.Equal(8, server.Available);
        Assert.Equal(5, server.Receive(new byte[5], out error));
        Assert.Equal(5, client.Send(new byte[10], out _)); // the window reopened by what was read
    }

    [Fact]
    public async Task End_of_stream_comes_after_the_bytes_sent_before_it()
    {
        var (server, client) = Pair();
        var zeroByte = server.ReceiveAsync(Memory<byte>.Empty).AsTask(); // waits: nothing there yet
        Assert.False(zeroByte.IsCompleted);
        client.Send("abc"u8, out _);
        client.ShutdownSend();
        Assert.Equal(0, await zeroByte.WaitAsync(Wait)); // data is there (a zero-byte receive reads nothing)

        var buffer = new byte[8];
        Assert.Equal(3, server.Receive(buffer, out var error));
        Assert.Equal(0, server.Receive(buffer, out error));
        Assert.Equal(SocketError.Success, error); // 0 with success: end of stream
        Assert.Equal(0, client.Send("x"u8, out error));
        Assert.Equal(SocketError.Shutdown, error);
    }

    [Fact]
    public async Task Closing_with_input_unread_resets_the_peer_as_the_kernel_does()
    {
        var (server, client) = Pair();
        var pending = client.ReceiveAsync(new byte[4]).AsTask();
        client.Send("unread"u8, out _);
        server.Close(abort: false); // "unread" is still in the server's queue: RST, not FIN

        var reset = await Assert.ThrowsAsync<SocketException>(() => pending.WaitAsync(Wait));
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        Assert.Equal(0, client.Send("more"u8, out var error));
        Assert.Equal(SocketError.ConnectionReset, error);
        Assert.Throws<ObjectDisposedException>(() => server.Receive(new byte[1], out _));
    }

    [Fact]
    public async Task A_plain_close_with_nothing_unread_is_a_FIN_and_ends_the_own_waits()
    {
        var (server, client) = Pair();
        var ownWait = server.ReceiveAsync(new byte[1]).AsTask();
        server.Send("bye"u8, out _);
        server.Close(abort: false);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => ownWait.WaitAsync(Wait));
        var buffer = new byte[8];
        Assert.Equal(3, await client.ReceiveAsync(buffer).AsTask().WaitAsync(Wait));
        Assert.Equal(0, await client.ReceiveAsync(buffer).AsTask().WaitAsync(Wait)); // FIN after the data
    }
}

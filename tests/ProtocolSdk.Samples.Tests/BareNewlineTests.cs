using System.Net;
using System.Net.Sockets;
using System.Text;
using ProtocolSdk.Samples.Chat;
using ProtocolSdk.Samples.GameLobby;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Samples.Tests;

/// <summary>
/// What <c>nc</c> and terminals send: lines ending in a bare "\n". The README's quick start (samples/QuickStart), Chat
/// and GameLobby use <c>[LineFraming]</c> without a Delimiter, which accepts "\n" as well as "\r\n".
/// </summary>
public class BareNewlineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public void Quick_start_answers_each_bare_newline_line_on_its_own()
    {
        using var host = new ProtocolTestHost();
        var user = host.Connect(new ShoutProtocol());
        Assert.Equal("hello, say something\r\n", user.TakeWrittenText());

        user.Send("hello world\n");
        Assert.Equal("HELLO WORLD\r\n", user.TakeWrittenText()); // answered at once, not held back until a "\r\n"
        user.Send("second Line 123\nthird\r\n");
        Assert.Equal("SECOND LINE 123\r\nTHIRD\r\n", user.TakeWrittenText()); // two messages, not one merged line
    }

    [Fact]
    public void Chat_works_with_bare_newlines()
    {
        using var host = new ProtocolTestHost();
        var room = new ChatRoom();
        var alice = host.Connect(new ChatProtocol(room));
        var bob = host.Connect(new ChatProtocol(room));
        alice.Send("alice\n");
        bob.Send("bob\n");
        alice.TakeWrittenText();
        bob.TakeWrittenText();

        bob.Send("hello there\n");
        Assert.Equal("<bob> hello there\r\n", alice.TakeWrittenText());
        alice.Send("/who\n");
        Assert.Equal("Online: alice, bob\r\n", alice.TakeWrittenText());
    }

    [Fact]
    public void GameLobby_works_with_bare_newlines()
    {
        using var host = new ProtocolTestHost();
        using var lobby = new Lobby(host.Clock);
        var alice = host.Connect(new GameProtocol(lobby));
        alice.Send("NAME alice\nJOIN arena\nMOVE 2 5\n");
        Assert.Contains("OK NAME alice\r\n", alice.TakeWrittenText());
        host.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Matches(@"^STATE \d+ alice=2,5\r\n$", alice.TakeWrittenText());
    }

    [Fact]
    public async Task Quick_start_over_a_real_socket_with_what_nc_sends()
    {
        await using var server = await ProtocolServer.ListenTcpAsync<ShoutProtocol>(new IPEndPoint(IPAddress.Loopback, 0));
        using var nc = await ConnectAsync(server.LocalEndPoint);
        Assert.Equal("hello, say something\r\n", await ReadUntilAsync(nc, "\r\n"));
        await nc.SendAsync("hello world\n"u8.ToArray(), SocketFlags.None);
        Assert.Equal("HELLO WORLD\r\n", await ReadUntilAsync(nc, "\r\n"));
    }

    [Fact]
    public async Task Chat_over_real_sockets_with_what_nc_sends()
    {
        var room = new ChatRoom();
        await using var server = await ProtocolServer.ListenTcpAsync(new IPEndPoint(IPAddress.Loopback, 0), () => new ChatProtocol(room));
        using var alice = await ConnectAsync(server.LocalEndPoint);
        using var bob = await ConnectAsync(server.LocalEndPoint);
        await ReadUntilAsync(alice, "nickname:\r\n");
        await ReadUntilAsync(bob, "nickname:\r\n");
        await alice.SendAsync("alice\n"u8.ToArray(), SocketFlags.None);
        await ReadUntilAsync(alice, "\r\n");
        await bob.SendAsync("bob\n"u8.ToArray(), SocketFlags.None);
        await ReadUntilAsync(bob, "\r\n");
        Assert.EndsWith("* bob joined\r\n", await ReadUntilAsync(alice, "bob joined\r\n"));

        await bob.SendAsync("hello there\n"u8.ToArray(), SocketFlags.None);
        Assert.Equal("<bob> hello there\r\n", await ReadUntilAsync(alice, "\r\n"));
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(endpoint, cts.Token);
        return socket;
    }

    /// <summary>Reads until the text received so far ends with <paramref name="end"/>; fails on timeout or end of stream.</summary>
    private static async Task<string> ReadUntilAsync(Socket socket, string end)
    {
        var received = new StringBuilder();
        var buffer = new byte[1];
        using var cts = new CancellationTokenSource(Timeout);
        while (!received.ToString().EndsWith(end, StringComparison.Ordinal))
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token); // a byte at a time: never reads past the line
            if (n == 0) throw new Xunit.Sdk.XunitException($"connection closed; received so far: {received}");
            received.Append((char)buffer[0]);
        }
        return received.ToString();
    }
}

using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

/// <summary>A line protocol with a STARTTLS command: what an SMTP or IMAP server does.</summary>
[LineFraming(MaxLength = 1024, Delimiter = "\r\n")]
public sealed partial class StartTlsLines : Protocol
{
    public static readonly byte[] BigReply = Enumerable.Range(0, 4 * 1024 * 1024).Select(i => (byte)('a' + i % 26)).Append((byte)'\n').ToArray();
    public readonly List<string> Lines = new();
    public int HandshakesCompleted;
    public TlsConnectionInfo? TlsAtCompletion;

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        string line = Encoding.ASCII.GetString(message);
        if (line == "BIG STARTTLS")
        {
            // A reply far above the socket buffer: most of it is still queued (plaintext) when StartTls is called.
            Transport.Write(BigReply);
            Transport.StartTls(TlsTestSupport.ServerOptions());
            SendMessage("WELCOME encrypted"u8);
            return;
        }
        if (line == "STARTTLS")
        {
            SendMessage("OK go ahead"u8);                           // before StartTls: plaintext
            Transport.StartTls(TlsTestSupport.ServerOptions());
            SendMessage("WELCOME encrypted"u8);                     // after StartTls: encrypted
            return;
        }
        lock (Lines) Lines.Add(line);
        SendMessage(Encoding.ASCII.GetBytes("GOT " + line));
    }

    public override void TlsHandshakeCompleted()
    {
        HandshakesCompleted++;
        TlsAtCompletion = Transport.Tls;
    }
}

/// <summary>The same command over length-prefixed frames (4-byte big-endian prefix).</summary>
[LengthPrefixFraming(PrefixBytes = 4, BigEndian = true, MaxLength = 1024)]
public sealed partial class StartTlsFrames : Protocol
{
    public readonly List<string> Frames = new();

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        string text = Encoding.ASCII.GetString(message);
        if (text == "STARTTLS")
        {
            SendMessage("GO"u8); // the client starts its handshake only after this (bytes sent earlier are dropped)
            Transport.StartTls(TlsTestSupport.ServerOptions());
            return;
        }
        lock (Frames) Frames.Add(text);
        SendMessage(Encoding.ASCII.GetBytes("GOT " + text));
    }
}

public class TlsStartTlsTests
{
    private static byte[] Frame(string text)
    {
        var payload = Encoding.ASCII.GetBytes(text);
        var frame = new byte[4 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    [Fact]
    public async Task LengthPrefixFraming_drops_whole_and_partial_frames_pipelined_after_StartTls()
    {
        var made = new ProtocolCollector<StartTlsFrames>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new StartTlsFrames()));
        using var socket = await Loopback.ConnectAsync(server.LocalEndPoint);
        await using var plain = new NetworkStream(socket, ownsSocket: false);
        // A whole injected frame and the start of another one ride along with the command.
        var injected = Frame("STARTTLS").Concat(Frame("INJECTED")).Concat(Frame("PARTIAL-FRAME")[..7]).ToArray();
        await plain.WriteAsync(injected);
        Assert.Equal(Frame("GO"), await TlsTestSupport.ReadExactlyAsync(plain, 6));

        await using var ssl = new SslStream(plain, leaveInnerStreamOpen: true);
        using (var cts = new CancellationTokenSource(Loopback.Timeout))
        {
            await ssl.AuthenticateAsClientAsync(TlsTestSupport.ClientOptions(), cts.Token);
        }
        await ssl.WriteAsync(Frame("AFTER"));
        var reply = await TlsTestSupport.ReadExactlyAsync(ssl, 4 + "GOT AFTER".Length);
        Assert.Equal("GOT AFTER", Encoding.ASCII.GetString(reply, 4, reply.Length - 4));
        var protocol = Assert.Single(made.All);
        lock (protocol.Frames) Assert.Equal(new[] { "AFTER" }, protocol.Frames);
    }

    [Fact]
    public async Task StartTls_upgrades_in_order_and_plaintext_pipelined_after_the_command_is_never_delivered()
    {
        var made = new ProtocolCollector<StartTlsLines>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new StartTlsLines()));
        using var socket = await Loopback.ConnectAsync(server.LocalEndPoint);
        await using var plain = new NetworkStream(socket, ownsSocket: false);

        // The injection: a man in the middle appends a command to the STARTTLS packet (CVE-2011-0411).
        await plain.WriteAsync("HELLO\r\nSTARTTLS\r\nINJECTED\r\n"u8.ToArray());
        Assert.Equal("GOT HELLO", await TlsTestSupport.ReadLineAsync(plain));
        Assert.Equal("OK go ahead", await TlsTestSupport.ReadLineAsync(plain)); // written before StartTls: plaintext

        await using var ssl = new SslStream(plain, leaveInnerStreamOpen: true);
        using (var cts = new CancellationTokenSource(Loopback.Timeout))
        {
            await ssl.AuthenticateAsClientAsync(TlsTestSupport.ClientOptions(), cts.Token);
        }
        Assert.Equal("WELCOME encrypted", await TlsTestSupport.ReadLineAsync(ssl)); // written after StartTls: encrypted
        await ssl.WriteAsync("AFTER\r\n"u8.ToArray());
        Assert.Equal("GOT AFTER", await TlsTestSupport.ReadLineAsync(ssl));

        var protocol = Assert.Single(made.All);
        lock (protocol.Lines) Assert.Equal(new[] { "HELLO", "AFTER" }, protocol.Lines);
        Assert.Equal(1, protocol.HandshakesCompleted);
        Assert.NotNull(protocol.TlsAtCompletion);
    }

    [Fact]
    public async Task Plaintext_still_queued_at_StartTls_goes_out_whole_in_plaintext_before_the_handshake()
    {
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () => new StartTlsLines());
        using var socket = await Loopback.ConnectAsync(server.LocalEndPoint);
        await using var plain = new NetworkStream(socket, ownsSocket: false);
        await plain.WriteAsync("BIG STARTTLS\r\n"u8.ToArray());
        Assert.Equal(StartTlsLines.BigReply, await TlsTestSupport.ReadExactlyAsync(plain, StartTlsLines.BigReply.Length));

        await using var ssl = new SslStream(plain, leaveInnerStreamOpen: true);
        using (var cts = new CancellationTokenSource(Loopback.Timeout))
        {
            await ssl.AuthenticateAsClientAsync(TlsTestSupport.ClientOptions(), cts.Token);
        }
        Assert.Equal("WELCOME encrypted", await TlsTestSupport.ReadLineAsync(ssl));
    }

    [Fact]
    public async Task StartTls_a_second_time_throws_InvalidOperationException()
    {
        var made = new ProtocolCollector<DoubleStart>();
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, made.Wrap(() => new DoubleStart()));
        using var socket = await Loopback.ConnectAsync(server.LocalEndPoint);
        await Loopback.WaitUntilAsync(() => made.All.TryPeek(out var p) && p.SecondCall is not null, "the second StartTls");
        Assert.IsType<InvalidOperationException>(made.All.Single().SecondCall);
    }

    public sealed class DoubleStart : Protocol
    {
        public volatile Exception? SecondCall;

        public override void ConnectionMade()
        {
            var options = TlsTestSupport.ServerOptions();
            Transport.StartTls(options);
            SecondCall = Record.Exception(() => Transport.StartTls(options));
        }
    }
}

public class TlsInMemoryTransportTests
{
    [Fact]
    public void StartTls_on_the_in_memory_test_transport_throws_NotSupportedException()
    {
        using var host = new ProtocolSdk.Testing.ProtocolTestHost();
        var connection = host.Connect(new EchoProtocol());
        Assert.Throws<NotSupportedException>(() => connection.Transport.StartTls(TlsTestSupport.ServerOptions()));
        Assert.Null(connection.Transport.Tls);
    }
}

using System.Text;
using ProtocolSdk.Testing;
using Resp;

namespace ProtocolSdk.Samples.Tests;

/// <summary>Command handling through the real protocol class on the SDK's in-memory transport.</summary>
public class RespProtocolTests
{
    private static string Cmd(params string[] args)
    {
        var sb = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return sb.ToString();
    }

    private static (ProtocolTestHost Host, TestConnection Connection, KeyValueStore Store) Connect(KeyValueStore? store = null)
    {
        store ??= new KeyValueStore();
        var host = new ProtocolTestHost();
        return (host, host.Connect(new RespProtocol(store)), store);
    }

    [Fact]
    public void Basic_commands_reply_like_redis()
    {
        var (host, c, _) = Connect();
        using var _h = host;
        (string command, string reply)[] cases =
        [
            (Cmd("PING"), "+PONG\r\n"),
            (Cmd("PING", "hi"), "$2\r\nhi\r\n"),
            (Cmd("ECHO", "hello"), "$5\r\nhello\r\n"),
            (Cmd("GET", "k"), "$-1\r\n"),
            (Cmd("SET", "k", "v"), "+OK\r\n"),
            (Cmd("GET", "k"), "$1\r\nv\r\n"),
            (Cmd("SET", "k", "w", "NX"), "$-1\r\n"),
            (Cmd("SET", "k", "w", "XX"), "+OK\r\n"),
            (Cmd("SET", "other", "w", "XX"), "$-1\r\n"),
            (Cmd("EXISTS", "k", "k", "nope"), ":2\r\n"),
            (Cmd("INCR", "n"), ":1\r\n"),
            (Cmd("INCR", "n"), ":2\r\n"),
            (Cmd("INCRBY", "n", "-5"), ":-3\r\n"),
            (Cmd("INCR", "k"), "-ERR value is not an integer or out of range\r\n"),
            (Cmd("MSET", "a", "1", "b", "2"), "+OK\r\n"),
            (Cmd("MGET", "a", "missing", "b"), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n"),
            (Cmd("DEL", "a", "b", "missing"), ":2\r\n"),
            (Cmd("DBSIZE"), ":2\r\n"),
            (Cmd("CONFIG", "GET", "save"), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"),
            (Cmd("CONFIG", "GET", "appendonly"), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"),
            (Cmd("CONFIG", "GET", "nosuch"), "*0\r\n"),
            (Cmd("COMMAND", "DOCS"), "*0\r\n"),
            (Cmd("GET"), "-ERR wrong number of arguments for 'get' command\r\n"),
            (Cmd("MSET", "a"), "-ERR wrong number of arguments for 'mset' command\r\n"),
            (Cmd("NOPE", "x"), "-ERR unknown command 'NOPE', with args beginning with: 'x' \r\n"),
            ("PING\r\n", "+PONG\r\n"),
            ("set inline yes\r\nget inline\r\n", "+OK\r\n$3\r\nyes\r\n"),
        ];
        foreach (var (command, reply) in cases)
        {
            c.Send(command);
            Assert.Equal(reply, c.TakeWrittenText());
        }
        Assert.False(c.IsClosed);
    }

    [Fact]
    public void Incr_overflow_is_an_error()
    {
        var (host, c, store) = Connect();
        using var _h = host;
        store.Set("big"u8, Encoding.ASCII.GetBytes(long.MaxValue.ToString()));
        c.Send(Cmd("INCR", "big"));
        Assert.Equal("-ERR increment or decrement would overflow\r\n", c.TakeWrittenText());
    }

    [Fact]
    public void A_pipeline_is_answered_in_order_with_one_write()
    {
        var (host, c, _) = Connect();
        using var _h = host;
        var pipeline = string.Concat(Enumerable.Range(0, 16).Select(i => Cmd("SET", "key" + i, "v" + i)))
                     + string.Concat(Enumerable.Range(0, 16).Select(i => Cmd("GET", "key" + i)));
        c.Send(pipeline);
        var expected = string.Concat(Enumerable.Repeat("+OK\r\n", 16)) + string.Concat(Enumerable.Range(0, 16).Select(i => $"${("v" + i).Length}\r\nv{i}\r\n"));
        Assert.Equal(expected, c.TakeWrittenText());
    }

    [Fact]
    public void Input_split_byte_by_byte_gives_the_same_replies()
    {
        var (host, c, _) = Connect();
        using var _h = host;
        var value = new string('x', 5000);
        var input = Encoding.ASCII.GetBytes(Cmd("SET", "k", value) + "PING\r\n" + Cmd("GET", "k") + Cmd("ECHO", "split"));
        foreach (var b in input) c.Send(new[] { b });
        Assert.Equal("+OK\r\n+PONG\r\n$5000\r\n" + value + "\r\n$5\r\nsplit\r\n", c.TakeWrittenText());
    }

    [Fact]
    public void Input_split_in_random_chunks_gives_the_same_replies()
    {
        var random = new Random(1234);
        var commands = string.Concat(Enumerable.Range(0, 200).Select(i => i % 3 == 0 ? Cmd("SET", "k" + i, new string('v', random.Next(0, 3000))) : i % 3 == 1 ? Cmd("INCR", "counter") : "PING\r\n"));
        var input = Encoding.ASCII.GetBytes(commands);

        var (h1, whole, _) = Connect();
        using var _1 = h1;
        whole.Send(input);
        var expected = whole.TakeWrittenText();

        var (h2, split, _) = Connect();
        using var _2 = h2;
        for (int offset = 0; offset < input.Length;)
        {
            int n = Math.Min(random.Next(1, 700), input.Length - offset);
            split.Send(input.AsSpan(offset, n));
            offset += n;
        }
        Assert.Equal(expected, split.TakeWrittenText());
    }

    [Theory]
    [InlineData("*2000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n")]
    [InlineData("*1\r\n$1000000000\r\n", "-ERR Protocol error: invalid bulk length\r\n")]
    [InlineData("*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'\r\n")]
    public void Protocol_errors_reply_and_close(string input, string reply)
    {
        var (host, c, _) = Connect();
        using var _h = host;
        c.Send("PING\r\n" + input + "PING\r\n");
        Assert.Equal("+PONG\r\n" + reply, c.TakeWrittenText());
        Assert.True(c.IsClosed);
        Assert.Equal(DisconnectKind.LocalClosed, c.Transport.LostReason?.Kind);
    }

    [Fact]
    public void Quit_replies_ok_and_closes()
    {
        var (host, c, _) = Connect();
        using var _h = host;
        c.Send(Cmd("QUIT") + Cmd("PING"));
        Assert.Equal("+OK\r\n", c.TakeWrittenText());
        Assert.True(c.IsClosed);
    }

    [Fact]
    public void Connections_share_the_store()
    {
        var store = new KeyValueStore();
        var (h1, a, _) = Connect(store);
        var (h2, b, _) = Connect(store);
        using var _1 = h1;
        using var _2 = h2;
        a.Send(Cmd("SET", "shared", "yes"));
        b.Send(Cmd("GET", "shared"));
        Assert.Equal("$3\r\nyes\r\n", b.TakeWrittenText());
    }

    [Fact]
    public async Task Concurrent_increments_are_atomic()
    {
        var store = new KeyValueStore();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++) store.Increment("n"u8, 1, out long _);
        })));
        Assert.True(store.TryGet("n"u8, out var value));
        Assert.Equal("40000", Encoding.ASCII.GetString(value));
    }
}

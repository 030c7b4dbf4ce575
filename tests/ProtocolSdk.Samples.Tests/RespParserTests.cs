using System.Text;
using Resp;

namespace ProtocolSdk.Samples.Tests;

public class RespParserTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    /// <summary>Parses all complete commands of <paramref name="input"/>, returning their arguments and the bytes used.</summary>
    private static (List<string[]> Commands, int Used, RespParseStatus Last) ParseAll(RespParser parser, byte[] input)
    {
        var commands = new List<string[]>();
        int offset = 0;
        RespParseStatus status = RespParseStatus.NeedMore;
        while (offset < input.Length)
        {
            status = parser.TryParse(input.AsSpan(offset), out int consumed, out var command);
            if (status != RespParseStatus.Command) break;
            var args = new string[command.Count];
            for (int i = 0; i < args.Length; i++) args[i] = Encoding.ASCII.GetString(command[i]);
            commands.Add(args);
            offset += consumed;
        }
        return (commands, offset, status);
    }

    [Fact]
    public void Parses_a_multibulk_command()
    {
        using var parser = new RespParser();
        var (commands, used, _) = ParseAll(parser, B("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"));
        Assert.Equal(new[] { "SET", "key", "value" }, Assert.Single(commands));
        Assert.Equal(33, used);
    }

    [Fact]
    public void Parses_pipelined_commands_and_keeps_a_partial_tail()
    {
        using var parser = new RespParser();
        var input = B("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1");
        var (commands, used, last) = ParseAll(parser, input);
        Assert.Equal(2, commands.Count);
        Assert.Equal(new[] { "GET", "a" }, commands[1]);
        Assert.Equal(RespParseStatus.NeedMore, last);
        Assert.True(parser.InCommand);

        // Resume with the unconsumed tail plus the rest.
        var rest = input.AsSpan(used).ToArray().Concat(B("\r\nb\r\n")).ToArray();
        var (more, used2, _) = ParseAll(parser, rest);
        Assert.Equal(new[] { "GET", "b" }, Assert.Single(more));
        Assert.Equal(rest.Length, used2);
        Assert.False(parser.InCommand);
    }

    [Fact]
    public void Every_split_point_gives_the_same_commands()
    {
        var whole = B("*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$10\r\n0123456789\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n*0\r\n");
        using var reference = new RespParser();
        var expected = ParseAll(reference, whole).Commands;
        Assert.Equal(4, expected.Count);

        for (int split = 1; split < whole.Length; split++)
        {
            using var parser = new RespParser();
            var first = ParseAll(parser, whole[..split]);
            var tail = whole[first.Used..];
            var second = ParseAll(parser, tail);
            Assert.Equal(tail.Length, second.Used);
            Assert.Equal(expected.Select(c => string.Join('|', c)), first.Commands.Concat(second.Commands).Select(c => string.Join('|', c)));
        }
    }

    [Fact]
    public void Inline_commands_split_on_whitespace_and_blank_lines_are_empty()
    {
        using var parser = new RespParser();
        var (commands, _, _) = ParseAll(parser, B("SET  a\tb\r\n\r\nping\n"));
        Assert.Equal(3, commands.Count);
        Assert.Equal(new[] { "SET", "a", "b" }, commands[0]);
        Assert.Empty(commands[1]);
        Assert.Equal(new[] { "ping" }, commands[2]);
    }

    [Theory]
    [InlineData("*1048577\r\n", "invalid multibulk length")]
    [InlineData("*abc\r\n", "invalid multibulk length")]
    [InlineData("*99999999999999999999999999999\r\n", "invalid multibulk length")]
    [InlineData("*1\r\n$536870913\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$-1\r\n", "invalid bulk length")]
    [InlineData("*1\r\n:5\r\n", "expected '$', got ':'")]
    [InlineData("*1\r\n$3\r\nabcde\r\n", "not terminated by CRLF")]
    [InlineData("*1\n", "invalid multibulk length")]
    public void Rejects_invalid_or_oversized_headers(string input, string message)
    {
        using var parser = new RespParser();
        var status = parser.TryParse(B(input), out _, out _);
        Assert.Equal(RespParseStatus.Error, status);
        Assert.StartsWith("ERR Protocol error: ", parser.Error);
        Assert.Contains(message, parser.Error);
    }

    [Fact]
    public void Limits_are_inclusive()
    {
        using var parser = new RespParser();
        // The largest allowed counts are accepted as headers (then wait for data that never comes).
        Assert.Equal(RespParseStatus.NeedMore, parser.TryParse(B("*1048576\r\n"), out _, out _));
        parser.Reset();
        Assert.Equal(RespParseStatus.NeedMore, parser.TryParse(B("*1\r\n$536870912\r\n"), out _, out _));
    }

    [Fact]
    public void A_huge_announced_bulk_allocates_nothing_before_its_bytes_arrive()
    {
        using var parser = new RespParser();
        var header = B("*2\r\n$3\r\nSET\r\n$536870912\r\nabc");
        parser.TryParse(header, out _, out _); // warm up
        parser.Reset();
        int needMore = 0, calls = 0;
        ProtocolSdk.Tests.Support.AllocationAssert.NothingAllocatedPerEvent(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                calls++;
                if (parser.TryParse(header, out _, out _) == RespParseStatus.NeedMore) needMore++;
            }
        });
        Assert.Equal(calls, needMore);
    }

    [Fact]
    public void A_million_argument_header_does_not_preallocate()
    {
        using var parser = new RespParser();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(RespParseStatus.NeedMore, parser.TryParse(B("*1000000\r\n$1\r\na\r\n"), out _, out _));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Parsing_complete_commands_allocates_nothing()
    {
        using var parser = new RespParser();
        var input = B(string.Concat(Enumerable.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", 16)));
        ParseAll(parser, input);
        int commands = 0, arguments = 0, rounds = 0;
        ProtocolSdk.Tests.Support.AllocationAssert.NothingAllocatedPerEvent(() =>
        {
            for (int round = 0; round < 100; round++)
            {
                rounds++;
                int offset = 0;
                while (offset < input.Length && parser.TryParse(input.AsSpan(offset), out int consumed, out var command) == RespParseStatus.Command)
                {
                    commands++;
                    arguments += command.Count;
                    offset += consumed;
                }
            }
        });
        Assert.Equal(16 * rounds, commands);
        Assert.Equal(32 * rounds, arguments);
    }

    [Fact]
    public void Too_long_inline_line_is_rejected()
    {
        using var parser = new RespParser();
        var line = new byte[RespParser.MaxInlineLength + 1];
        line.AsSpan().Fill((byte)'a');
        Assert.Equal(RespParseStatus.Error, parser.TryParse(line, out _, out _));
        Assert.Contains("too big inline request", parser.Error);
    }
}

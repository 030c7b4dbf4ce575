using System;
using System.Buffers;
using System.Buffers.Text;

namespace Resp;

/// <summary>What <see cref="RespParser.TryParse"/> found.</summary>
public enum RespParseStatus
{
    /// <summary>A complete command (possibly empty: <c>*0</c> or a blank inline line).</summary>
    Command,
    /// <summary>The input ends inside a command: call again with the same bytes plus more.</summary>
    NeedMore,
    /// <summary>The input breaks the protocol or a limit: reply with the error and close.</summary>
    Error,
}

/// <summary>The arguments of one parsed command: slices of the parser's input, valid until the next parse.</summary>
public readonly ref struct RespCommand
{
    private readonly ReadOnlySpan<byte> _source;
    private readonly ReadOnlySpan<int> _ranges;

    internal RespCommand(ReadOnlySpan<byte> source, ReadOnlySpan<int> ranges)
    {
        _source = source;
        _ranges = ranges;
    }

    /// <summary>Number of arguments, the command name included.</summary>
    public int Count => _ranges.Length / 2;

    /// <summary>Argument <paramref name="index"/> (0 is the command name).</summary>
    public ReadOnlySpan<byte> this[int index] => _source.Slice(_ranges[2 * index], _ranges[2 * index + 1]);
}

/// <summary>
/// An incremental, bounded RESP2 request parser (multibulk <c>*N\r\n$L\r\n...</c> and inline commands).
/// It keeps its position inside a partly received command, so a caller presents the unconsumed bytes again with
/// more appended and parsing resumes where it stopped (a large bulk string costs O(1) per chunk until it is complete).
/// It never allocates in proportion to an announced length: argument slots grow only as arguments arrive.
/// </summary>
public sealed class RespParser : IDisposable
{
    /// <summary>Largest accepted bulk string (as Redis: 512 MB).</summary>
    public const int MaxBulkLength = 512 * 1024 * 1024;

    /// <summary>Largest accepted multibulk count (as Redis: 1024 * 1024).</summary>
    public const int MaxMultibulkLength = 1024 * 1024;

    /// <summary>Longest accepted inline command line (as Redis: 64 KiB).</summary>
    public const int MaxInlineLength = 64 * 1024;

    private const int MaxHeaderLine = 24; // "*" or "$", up to 20 digits and sign, CRLF

    private int[] _ranges = ArrayPool<int>.Shared.Rent(32);
    private int _argc = -1;   // announced argument count; -1 while the header is not parsed
    private int _parsed;      // arguments complete so far
    private int _pos;         // where the next element starts, relative to the command start
    private int _bulkLength = -1; // >= 0: the next bulk's header was parsed and its data starts at _pos
    private bool _inline;

    /// <summary>The error reply text (without the leading '-') of the last <see cref="RespParseStatus.Error"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>True while a command is partly parsed (input was consumed into the parser's state).</summary>
    public bool InCommand => _argc >= 0 || _inline;

    /// <summary>
    /// Parses one command from <paramref name="input"/>, which starts where the current command starts (the bytes a
    /// previous <see cref="RespParseStatus.NeedMore"/> left unconsumed, plus any new ones).
    /// </summary>
    public RespParseStatus TryParse(ReadOnlySpan<byte> input, out int consumed, out RespCommand command)
    {
        consumed = 0;
        command = default;
        if (_argc < 0 && !_inline)
        {
            if (input.IsEmpty) return RespParseStatus.NeedMore;
            if (input[0] != (byte)'*')
            {
                _inline = true;
                _pos = 0;
            }
            else
            {
                var header = ReadHeader(input, 0, out long count, out int next);
                if (header == HeaderStatus.NeedMore) return RespParseStatus.NeedMore;
                if (header == HeaderStatus.Invalid || count > MaxMultibulkLength) return Fail("Protocol error: invalid multibulk length");
                if (count <= 0)
                {
                    consumed = next;
                    command = new RespCommand(input, ReadOnlySpan<int>.Empty);
                    return RespParseStatus.Command;
                }
                _argc = (int)count;
                _parsed = 0;
                _pos = next;
                _bulkLength = -1;
            }
        }

        if (_inline) return ParseInline(input, out consumed, out command);

        while (_parsed < _argc)
        {
            if (_bulkLength < 0)
            {
                if (input.Length <= _pos) return RespParseStatus.NeedMore;
                if (input[_pos] != (byte)'$')
                {
                    return Fail($"Protocol error: expected '$', got '{Printable(input[_pos])}'");
                }
                var header = ReadHeader(input, _pos, out long length, out int next);
                if (header == HeaderStatus.NeedMore) return RespParseStatus.NeedMore;
                if (header == HeaderStatus.Invalid || length < 0 || length > MaxBulkLength) return Fail("Protocol error: invalid bulk length");
                _bulkLength = (int)length;
                _pos = next;
            }
            if (input.Length < (long)_pos + _bulkLength + 2) return RespParseStatus.NeedMore;
            if (input[_pos + _bulkLength] != (byte)'\r' || input[_pos + _bulkLength + 1] != (byte)'\n')
            {
                return Fail("Protocol error: bulk string not terminated by CRLF");
            }
            AddRange(_parsed, _pos, _bulkLength);
            _pos += _bulkLength + 2;
            _bulkLength = -1;
            _parsed++;
        }

        consumed = _pos;
        command = new RespCommand(input, _ranges.AsSpan(0, 2 * _argc));
        Reset();
        return RespParseStatus.Command;
    }

    /// <summary>Forgets a partly parsed command.</summary>
    public void Reset()
    {
        _argc = -1;
        _parsed = 0;
        _pos = 0;
        _bulkLength = -1;
        _inline = false;
    }

    /// <summary>Returns the pooled argument slots.</summary>
    public void Dispose()
    {
        var ranges = _ranges;
        _ranges = Array.Empty<int>();
        if (ranges.Length > 0) ArrayPool<int>.Shared.Return(ranges);
    }

    private RespParseStatus ParseInline(ReadOnlySpan<byte> input, out int consumed, out RespCommand command)
    {
        consumed = 0;
        command = default;
        int scanFrom = _pos;
        int newline = input[scanFrom..].IndexOf((byte)'\n');
        if (newline < 0)
        {
            _pos = input.Length; // don't rescan what was already searched
            if (input.Length > MaxInlineLength) return Fail("Protocol error: too big inline request");
            return RespParseStatus.NeedMore;
        }
        newline += scanFrom;
        if (newline > MaxInlineLength) return Fail("Protocol error: too big inline request");

        int end = newline > 0 && input[newline - 1] == (byte)'\r' ? newline - 1 : newline;
        int count = 0;
        int i = 0;
        while (i < end)
        {
            while (i < end && IsSpace(input[i])) i++;
            if (i >= end) break;
            int start = i;
            while (i < end && !IsSpace(input[i])) i++;
            AddRange(count++, start, i - start);
        }
        consumed = newline + 1;
        command = new RespCommand(input, _ranges.AsSpan(0, 2 * count));
        Reset();
        return RespParseStatus.Command;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t';

    private void AddRange(int index, int start, int length)
    {
        if (2 * index + 1 >= _ranges.Length)
        {
            var bigger = ArrayPool<int>.Shared.Rent(_ranges.Length * 2);
            _ranges.AsSpan().CopyTo(bigger);
            ArrayPool<int>.Shared.Return(_ranges);
            _ranges = bigger;
        }
        _ranges[2 * index] = start;
        _ranges[2 * index + 1] = length;
    }

    private enum HeaderStatus { Ok, NeedMore, Invalid }

    /// <summary>Reads "&lt;prefix&gt;&lt;integer&gt;\r\n" at <paramref name="at"/>.</summary>
    private static HeaderStatus ReadHeader(ReadOnlySpan<byte> input, int at, out long value, out int next)
    {
        value = 0;
        next = 0;
        var rest = input[(at + 1)..];
        int limit = Math.Min(rest.Length, MaxHeaderLine);
        int newline = rest[..limit].IndexOf((byte)'\n');
        if (newline < 0) return rest.Length >= MaxHeaderLine ? HeaderStatus.Invalid : HeaderStatus.NeedMore;
        if (newline == 0 || rest[newline - 1] != (byte)'\r') return HeaderStatus.Invalid;
        var digits = rest[..(newline - 1)];
        if (digits.IsEmpty || !Utf8Parser.TryParse(digits, out value, out int used) || used != digits.Length) return HeaderStatus.Invalid;
        next = at + 1 + newline + 1;
        return HeaderStatus.Ok;
    }

    private RespParseStatus Fail(string message)
    {
        Error = "ERR " + message;
        Reset();
        return RespParseStatus.Error;
    }

    private static string Printable(byte b) => b is >= 0x20 and < 0x7f ? ((char)b).ToString() : "\\x" + b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
}

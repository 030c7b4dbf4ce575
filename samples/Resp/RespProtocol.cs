using System;
using System.Buffers;
using ProtocolSdk;
using ProtocolSdk.Samples;

namespace Resp;

/// <summary>
/// One RESP2 connection: parses pipelined commands straight from the receive span, keeps only an unfinished
/// command's bytes in a pooled buffer, runs the commands against the shared store and sends all replies of a
/// received chunk in one write.
/// </summary>
public sealed class RespProtocol : Protocol
{
    /// <summary>Most bytes one connection may hold of an unfinished command (as Redis's client-query-buffer-limit: 1 GiB).</summary>
    public const int MaxQueryBuffer = 1024 * 1024 * 1024;

    private readonly KeyValueStore _store;
    private readonly RespParser _parser = new();
    private readonly ReplyWriter _reply;
    private byte[]? _pending;
    private int _pendingLength;
    private bool _closing;

    /// <summary>Creates a connection's protocol on <paramref name="store"/>.</summary>
    public RespProtocol(KeyValueStore store)
    {
        _store = store;
        _reply = new ReplyWriter(new TransportSink(this));
    }

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_closing) return;
        try
        {
            if (_pendingLength == 0)
            {
                int used = Process(data);
                if (!_closing && used < data.Length) Stash(data[used..]);
            }
            else
            {
                if ((long)_pendingLength + data.Length > MaxQueryBuffer)
                {
                    Fail("ERR Protocol error: query buffer limit exceeded");
                    return;
                }
                Append(data);
                int used = Process(_pending.AsSpan(0, _pendingLength));
                Consume(used);
            }
        }
        finally
        {
            _reply.Flush();
        }
        if (_closing)
        {
            ReleasePending();
            Transport.LoseConnection();
        }
    }

    /// <inheritdoc />
    public override void ConnectionLost(DisconnectReason reason)
    {
        ReleasePending();
        _parser.Dispose();
    }

    /// <summary>Runs every complete command in <paramref name="input"/>; returns how many bytes they took.</summary>
    private int Process(ReadOnlySpan<byte> input)
    {
        int offset = 0;
        while (offset < input.Length)
        {
            var status = _parser.TryParse(input[offset..], out int consumed, out var command);
            if (status == RespParseStatus.NeedMore) break;
            if (status == RespParseStatus.Error)
            {
                Fail(_parser.Error!);
                return input.Length;
            }
            offset += consumed;
            SampleMetrics.MessageHandled();
            if (RespCommands.Execute(command, _store, _reply) == CommandOutcome.Close)
            {
                _closing = true;
                return input.Length;
            }
        }
        return offset;
    }

    private void Fail(string error)
    {
        _reply.Error(error);
        _closing = true;
    }

    private void Stash(ReadOnlySpan<byte> rest)
    {
        if (rest.Length > MaxQueryBuffer)
        {
            Fail("ERR Protocol error: query buffer limit exceeded");
            return;
        }
        _pending = ArrayPool<byte>.Shared.Rent(Math.Max(rest.Length * 2, 4096));
        rest.CopyTo(_pending);
        _pendingLength = rest.Length;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        var pending = _pending!;
        int needed = _pendingLength + data.Length;
        if (needed > pending.Length)
        {
            // Grows with the bytes that arrived, never with an announced length.
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(2L * pending.Length, needed), Array.MaxLength));
            pending.AsSpan(0, _pendingLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(pending);
            _pending = pending = bigger;
        }
        data.CopyTo(pending.AsSpan(_pendingLength));
        _pendingLength = needed;
    }

    private void Consume(int used)
    {
        if (used >= _pendingLength)
        {
            ReleasePending();
            return;
        }
        if (used > 0)
        {
            _pending.AsSpan(used, _pendingLength - used).CopyTo(_pending);
            _pendingLength -= used;
        }
    }

    private void ReleasePending()
    {
        if (_pending is { } pending) ArrayPool<byte>.Shared.Return(pending);
        _pending = null;
        _pendingLength = 0;
    }
}

using System;
using System.Buffers;

namespace ProtocolSdk.Internal;

/// <summary>
/// Bytes written but not yet accepted by the peer's transport: a FIFO of pooled 16 KiB blocks.
/// Only written when the socket refuses data, and returned to the pool as it drains, so an idle
/// connection holds no block. Not thread-safe: the transport guards it with its send lock.
/// </summary>
internal sealed class OutputBuffer
{
    internal const int BlockSize = 16 * 1024;

    private byte[]?[] _blocks = Array.Empty<byte[]?>(); // grown on first use: most connections never buffer
    private int _head;       // index of the first block in the ring
    private int _blockCount; // blocks in use
    private int _readOffset; // consumed bytes in the first block
    private int _writeOffset; // used bytes in the last block
    private long _length;

    public long Length => _length;

    public bool IsEmpty => _length == 0;

    public void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_blockCount == 0 || _writeOffset == BlockSize)
            {
                AddBlock();
            }
            var last = _blocks[(_head + _blockCount - 1) % _blocks.Length]!;
            int n = Math.Min(data.Length, BlockSize - _writeOffset);
            data[..n].CopyTo(last.AsSpan(_writeOffset));
            _writeOffset += n;
            _length += n;
            data = data[n..];
        }
    }

    /// <summary>The first contiguous run of buffered bytes, at most <paramref name="max"/> long.</summary>
    public ReadOnlyMemory<byte> Peek(int max = int.MaxValue)
    {
        if (_blockCount == 0) return ReadOnlyMemory<byte>.Empty;
        int end = _blockCount == 1 ? _writeOffset : BlockSize;
        int n = Math.Min(end - _readOffset, max);
        return new ReadOnlyMemory<byte>(_blocks[_head]!, _readOffset, n);
    }

    public void Consume(int count)
    {
        if (count < 0 || count > _length) throw new ArgumentOutOfRangeException(nameof(count));
        _length -= count;
        while (count > 0)
        {
            int end = _blockCount == 1 ? _writeOffset : BlockSize;
            int n = Math.Min(count, end - _readOffset);
            _readOffset += n;
            count -= n;
            if (_readOffset == end)
            {
                RemoveFirstBlock();
            }
        }
        if (_length == 0 && _blockCount > 0) Clear();
    }

    /// <summary>Returns every block to the pool.</summary>
    public void Clear()
    {
        while (_blockCount > 0) RemoveFirstBlock();
        _length = 0;
        _readOffset = _writeOffset = 0;
    }

    private void AddBlock()
    {
        if (_blockCount == _blocks.Length)
        {
            var bigger = new byte[]?[Math.Max(4, _blocks.Length * 2)];
            for (int i = 0; i < _blockCount; i++) bigger[i] = _blocks[(_head + i) % _blocks.Length];
            _blocks = bigger;
            _head = 0;
        }
        _blocks[(_head + _blockCount) % _blocks.Length] = ArrayPool<byte>.Shared.Rent(BlockSize);
        _blockCount++;
        _writeOffset = 0;
    }

    private void RemoveFirstBlock()
    {
        ArrayPool<byte>.Shared.Return(_blocks[_head]!);
        _blocks[_head] = null;
        _head = (_head + 1) % _blocks.Length;
        _blockCount--;
        _readOffset = 0;
        if (_blockCount == 0) _writeOffset = 0;
    }
}

using System;
using System.Buffers;

namespace ProtocolSdk.Framing;

/// <summary>
/// The bytes of a message that arrived split over several reads. Rented from the shared pool as the bytes
/// arrive (growing geometrically, never to a size announced but not yet received) and returned once empty,
/// so a connection between messages holds no buffer.
/// </summary>
internal struct FrameBuffer
{
    private byte[]? _array;
    private int _length;

    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Span => _array is null ? ReadOnlySpan<byte>.Empty : _array.AsSpan(0, _length);

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        int needed = _length + data.Length;
        if (_array is null || needed > _array.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(_length * 2, int.MaxValue / 2)));
            if (_array is not null)
            {
                _array.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_array);
            }
            _array = bigger;
        }
        data.CopyTo(_array.AsSpan(_length));
        _length = needed;
    }

    public void Clear()
    {
        if (_array is not null) ArrayPool<byte>.Shared.Return(_array);
        _array = null;
        _length = 0;
    }
}

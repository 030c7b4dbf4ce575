using System;
using System.ComponentModel;
using ProtocolSdk.Timers;

namespace ProtocolSdk.Policies;

/// <summary>The configuration of a <c>[MinDataRate]</c>, held in a static field of the generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class MinDataRatePolicy
{
    /// <summary>Creates the policy.</summary>
    public MinDataRatePolicy(double bytesPerSecond, double graceSeconds)
    {
        if (!(bytesPerSecond > 0) || double.IsInfinity(bytesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "Must be positive and finite.");
        if (!(graceSeconds > 0) || double.IsInfinity(graceSeconds))
            throw new ArgumentOutOfRangeException(nameof(graceSeconds), graceSeconds, "Must be positive and finite.");
        BytesPerSecond = bytesPerSecond;
        Grace = TimeSpan.FromSeconds(graceSeconds);
    }

    /// <summary>Minimum rate, inbound and (while our output waits for the peer) outbound.</summary>
    public double BytesPerSecond { get; }

    /// <summary>Grace period and window length.</summary>
    public TimeSpan Grace { get; }

    /// <summary>Starts watching a connection; call from the connection-made hook.</summary>
    public MinDataRateSession Start(Transport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return new MinDataRateSession(new Watch(this, transport));
    }

    /// <summary>
    /// Samples the connection every 250 ms of wheel time and judges both directions over windows of
    /// <see cref="Grace"/> counted time.
    /// Inbound: a sample counts only when the connection was really waiting for the peer to send: reading not paused
    /// at either end of the sample, and no received bytes already waiting in the socket (which would mean our side,
    /// not the peer, was slow).
    /// Outbound: a sample counts only when our output was waiting for the peer to read: bytes buffered at both ends of
    /// the sample and not held back by our own write throttle. A peer that keeps its receive window shut, so that
    /// fewer than <see cref="BytesPerSecond"/> of our buffered bytes leave per second, is a slow reader and is closed.
    /// A sample taken while the connection was busy in another callback is skipped (our side was late).
    /// </summary>
    internal sealed class Watch : TimerEntry
    {
        private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(250);

        private readonly MinDataRatePolicy _policy;
        private readonly Transport _transport;
        private readonly TimerWheel _wheel;
        private long _lastBytes;
        private bool _wasPaused;
        private TimeSpan _counted;
        private long _windowBytes;
        private long _lastSent;
        private bool _outputWasWaiting;
        private TimeSpan _outboundCounted;
        private long _outboundWindowBytes;
        private bool _missedSample; // wheel thread only
        private volatile bool _stopped;

        public Watch(MinDataRatePolicy policy, Transport transport)
        {
            _policy = policy;
            _transport = transport;
            _wheel = transport.Timers;
            _lastBytes = transport.WireBytesReceived;
            _wasPaused = transport.IsReadingPaused;
            _lastSent = transport.WireBytesSent;
            _wheel.Schedule(this, _wheel.DeadlineAfter(Sample));
        }

        internal override void Fire()
        {
            if (_stopped) return;
            // Never waits for a connection inside a slow callback (that would hold up every other timer): skip the sample.
            if (!_transport.RunSerialized(static watch => watch.OnSample(), this)) _missedSample = true;
            if (!_stopped && !_transport.IsClosing) _wheel.Schedule(this, _wheel.DeadlineAfter(Sample));
        }

        private void OnSample()
        {
            bool missed = _missedSample;
            _missedSample = false;
            if (!JudgeInbound(missed)) return;
            JudgeOutbound(missed);
        }

        /// <summary>False when it closed the connection.</summary>
        private bool JudgeInbound(bool missed)
        {
            long bytes = _transport.WireBytesReceived;
            long received = bytes - _lastBytes;
            _lastBytes = bytes;
            bool paused = _transport.IsReadingPaused;
            bool ourSideLate = _transport.PendingInboundBytes > 0 || missed;
            bool counts = !paused && !_wasPaused && !ourSideLate;
            _wasPaused = paused;
            if (!counts) return true;

            _counted += Sample;
            _windowBytes += received;
            if (_counted < _policy.Grace) return true;
            double required = _policy.BytesPerSecond * _counted.TotalSeconds;
            if (_windowBytes < required)
            {
                _stopped = true;
                _transport.Abort(DisconnectReason.Policy(
                    $"inbound data rate {_windowBytes / _counted.TotalSeconds:F1} B/s stayed below the minimum {_policy.BytesPerSecond} B/s"));
                return false;
            }
            _counted = TimeSpan.Zero; // next window
            _windowBytes = 0;
            return true;
        }

        private void JudgeOutbound(bool missed)
        {
            long sent = _transport.WireBytesSent;
            long delivered = sent - _lastSent;
            _lastSent = sent;
            bool waiting = _transport.BufferedBytes > 0 && !_transport.IsWaitingForWriteBudget;
            bool counts = waiting && _outputWasWaiting && !missed;
            _outputWasWaiting = waiting;
            if (!counts) return;

            _outboundCounted += Sample;
            _outboundWindowBytes += delivered;
            if (_outboundCounted < _policy.Grace) return;
            double required = _policy.BytesPerSecond * _outboundCounted.TotalSeconds;
            if (_outboundWindowBytes < required)
            {
                _stopped = true;
                _transport.Abort(DisconnectReason.Policy(
                    $"slow reader: outbound data rate {_outboundWindowBytes / _outboundCounted.TotalSeconds:F1} B/s stayed below the minimum {_policy.BytesPerSecond} B/s while {_transport.BufferedBytes} bytes waited for the peer to read"));
                return;
            }
            _outboundCounted = TimeSpan.Zero; // next window
            _outboundWindowBytes = 0;
        }

        public void Stop()
        {
            _stopped = true;
            _wheel.Cancel(this);
        }
    }
}

/// <summary>A connection's min-data-rate watch, kept in a field of the generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct MinDataRateSession
{
    private readonly MinDataRatePolicy.Watch? _watch;

    internal MinDataRateSession(MinDataRatePolicy.Watch watch) => _watch = watch;

    /// <summary>Stops watching; call from the connection-lost hook.</summary>
    public void Stop() => _watch?.Stop();
}

using System;
using System.ComponentModel;
using System.Net;
using ProtocolSdk.Policies;
using ProtocolSdk.Timers;

namespace ProtocolSdk;

/// <summary>
/// One connection's protocol logic, as in Twisted: the SDK calls <see cref="ConnectionMade"/>, then
/// <see cref="DataReceived"/> for each chunk, then <see cref="ConnectionLost"/> exactly once. Callbacks of
/// one instance never run concurrently. Policy attributes on a <c>partial</c> subclass make the source
/// generator override the <c>OnPolicy*</c> hooks below.
/// </summary>
public abstract class Protocol
{
    private Transport? _transport;
    private TimeoutPolicy? _timeout;

    /// <summary>The connection's transport, valid from <see cref="ConnectionMade"/> until <see cref="ConnectionLost"/> returns.</summary>
    /// <exception cref="InvalidOperationException">Outside that window.</exception>
    public Transport Transport => _transport ?? throw new InvalidOperationException(
        "Transport is only available from ConnectionMade until ConnectionLost returns (not in a constructor or field initializer).");

    /// <summary>True while <see cref="Transport"/> is available.</summary>
    public bool IsConnected => _transport is not null;

    /// <summary>The connection is established; <see cref="Transport"/> is ready.</summary>
    public virtual void ConnectionMade() { }

    /// <summary>
    /// A chunk of bytes arrived. The span points into the receive buffer and is valid only during the call:
    /// copy what must outlive it.
    /// </summary>
    public virtual void DataReceived(ReadOnlySpan<byte> data) { }

    /// <summary>
    /// The peer has finished sending (TCP FIN: a half-close) while our side may still write. The default calls
    /// <see cref="Transport.LoseConnection"/> (flush, then close), as Twisted does for protocols that are not
    /// <c>IHalfCloseableProtocol</c>. Override it to keep writing (from a timer, another connection, a producer) and
    /// close later; <see cref="DataReceived"/> is not called again. A later <see cref="Transport.LoseConnection"/> ends
    /// with <see cref="DisconnectKind.PeerClosed"/>.
    /// </summary>
    public virtual void ReadConnectionLost() => Transport.LoseConnection();

    /// <summary>
    /// The TLS handshake started by <see cref="Transport.StartTls(System.Net.Security.SslServerAuthenticationOptions)"/>
    /// (or its client overload) completed: <see cref="Transport.Tls"/> is set and everything from here on is encrypted.
    /// Not called for a connection that is TLS from its first byte (a TLS listener or client): its handshake completes
    /// before <see cref="ConnectionMade"/>. A failed STARTTLS handshake closes the connection instead.
    /// </summary>
    public virtual void TlsHandshakeCompleted() { }

    /// <summary>The connection is closed; called exactly once for every <see cref="ConnectionMade"/>.</summary>
    public virtual void ConnectionLost(DisconnectReason reason) { }

    // ---- Framing ([LineFraming], [LengthPrefixFraming]) --------------------------------------------

    /// <summary>
    /// A whole message arrived (with <c>[LineFraming]</c>: a line without its delimiter; with
    /// <c>[LengthPrefixFraming]</c>: a frame without its prefix). The span is valid only during the call.
    /// Unused without a framing attribute.
    /// </summary>
    public virtual void MessageReceived(ReadOnlySpan<byte> message) { }

    /// <summary>
    /// A message is longer than the framing's <c>MaxLength</c> (<paramref name="length"/> is the announced frame size,
    /// or the bytes seen so far of an unterminated line). The default closes the connection with
    /// <see cref="DisconnectKind.PolicyViolation"/>; an override that keeps the connection open makes the framer skip
    /// the oversized message (Twisted's <c>lineLengthExceeded</c>).
    /// </summary>
    protected virtual void MessageTooLong(long length) =>
        Transport.Abort(DisconnectReason.Policy($"message of {length} bytes exceeds the framing MaxLength"));

    internal void InvokeMessageTooLong(long length) => MessageTooLong(length);

    // ---- Timeouts (Twisted's TimeoutMixin) --------------------------------------------------------

    /// <summary>The current idle timeout period, or null when none is set.</summary>
    public TimeSpan? TimeoutPeriod => _timeout?.Period;

    /// <summary>
    /// Sets the idle timeout period (null cancels it) and restarts the countdown; returns the previous period.
    /// Like Twisted's <c>setTimeout</c>. <c>[Timeout]</c> calls it when the connection is made.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The period is zero, negative or longer than a year.</exception>
    public TimeSpan? SetTimeout(TimeSpan? period)
    {
        if (period is { } p && (p <= TimeSpan.Zero || p > TimeSpan.FromDays(365)))
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "A timeout must be positive and at most 365 days; pass null to cancel.");
        }
        var transport = Transport;
        var previous = _timeout?.Period;
        if (period is null)
        {
            _timeout?.Cancel();
            if (_timeout is not null) _timeout.Period = null;
            return previous;
        }
        _timeout ??= new TimeoutPolicy(this, transport.Timers);
        _timeout.Start(period.Value);
        return previous;
    }

    /// <summary>Restarts the idle countdown; does nothing when no timeout is pending (as in Twisted). Allocation-free, O(1), safe from any thread.</summary>
    public void ResetTimeout() => _timeout?.Reset();

    /// <summary>Cancels the pending idle timeout. Harmless when none is pending, after it fired, or twice.</summary>
    public void CancelTimeout() => _timeout?.Cancel();

    /// <summary>
    /// Called when the idle timeout expires, serialised with the other callbacks. The default aborts the
    /// connection with <see cref="DisconnectKind.TimedOut"/>; override it to replace the action (Twisted's <c>timeoutConnection</c>).
    /// </summary>
    protected virtual void TimeoutConnection() => Transport.Abort(DisconnectReason.TimedOut);

    internal void InvokeTimeoutConnection() => TimeoutConnection();

    // ---- Policy hooks (overridden by generated code) ---------------------------------------------

    /// <summary>Admission policies for a new connection, before <see cref="ConnectionMade"/> (<see cref="Transport"/> is not set yet; use the argument). Generated by <c>[MaxConnections]</c>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual ConnectionAdmission OnPolicyAdmit(Transport transport) => ConnectionAdmission.Accept;

    /// <summary>Releases what <see cref="OnPolicyAdmit"/> counted; runs exactly once per accepted or overflowed connection, after <see cref="ConnectionLost"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual void OnPolicyReleased() { }

    /// <summary>Policies run before <see cref="ConnectionMade"/>, with <see cref="Transport"/> set.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual void OnPolicyConnectionMade() { }

    /// <summary>Policies run for each received chunk before <see cref="DataReceived"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual void OnPolicyDataReceived(ReadOnlySpan<byte> data) { }

    /// <summary>
    /// Policies run for each <see cref="Transport.Write"/> the transport accepts for sending, on the writer's thread,
    /// under the transport's send lock after its state check (so a write that raced a close, or was refused by
    /// <see cref="ProtocolServerOptions.MaxBufferedBytes"/>, is not reported). Must be quick and must not block.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual void OnPolicyDataWritten(ReadOnlySpan<byte> data) { }

    /// <summary>
    /// Policies run when <paramref name="count"/> bytes were actually handed to the network (not merely queued):
    /// on the writer's thread for a direct send, on the send loop for buffered output. Idle timeouts reset here, so a
    /// peer that never reads does not keep its connection alive by being written to.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual void OnPolicyDataSent(int count) { }

    /// <summary>Policies run when the connection closes, before <see cref="ConnectionLost"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual void OnPolicyConnectionLost(DisconnectReason reason) { }

    // The transport calls the hooks through these: the hooks stay 'protected' (not 'protected internal'), so
    // generated overrides compile the same in every assembly, including ones the runtime grants internals to.
    internal ConnectionAdmission InvokeAdmit(Transport transport) => OnPolicyAdmit(transport);
    internal void InvokeReleased() => OnPolicyReleased();
    internal void InvokeConnectionMade() => OnPolicyConnectionMade();
    internal void InvokeDataReceived(ReadOnlySpan<byte> data) => OnPolicyDataReceived(data);
    internal void InvokeDataWritten(ReadOnlySpan<byte> data) => OnPolicyDataWritten(data);
    internal void InvokeDataSent(int count) => OnPolicyDataSent(count);
    internal void InvokeConnectionLost(DisconnectReason reason) => OnPolicyConnectionLost(reason);

    internal void Attach(Transport transport) => _transport = transport;

    internal void Detach()
    {
        _timeout?.Cancel();
        _transport = null;
    }

    internal static bool ConfirmTimeout(TimerEntry entry) => entry is TimeoutPolicy idle && idle.ConfirmExpired();

    /// <summary>The transport while connected, else null (for policies that may outlive the connection).</summary>
    internal Transport? TransportOrNull => _transport;
}

using System;

namespace ProtocolSdk;

/// <summary>
/// Idle timeout: the connection is closed when neither a read nor a write happened for this long
/// (Twisted's TimeoutFactory / TimeoutMixin). The protocol can change it at run time with
/// <see cref="Protocol.SetTimeout"/>, <see cref="Protocol.ResetTimeout"/> and <see cref="Protocol.CancelTimeout"/>,
/// and replace the action by overriding <c>TimeoutConnection</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TimeoutAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="seconds">Idle period in seconds; must be positive and finite.</param>
    public TimeoutAttribute(double seconds) => Seconds = seconds;

    /// <summary>Idle period in seconds.</summary>
    public double Seconds { get; }
}

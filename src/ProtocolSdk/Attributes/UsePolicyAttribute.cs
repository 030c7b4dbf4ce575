using System;

namespace ProtocolSdk;

/// <summary>
/// Plugs a user-defined policy into the generated hook points (Twisted users subclass ProtocolWrapper).
/// The type must be a struct implementing <see cref="Policies.IConnectionPolicy"/> with a parameterless
/// constructor: the generated code stores it in a field and calls it directly, so it costs no allocation and
/// no virtual call. Several may be applied; they run in declaration order after the built-in policies.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UsePolicyAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public UsePolicyAttribute(Type policyType) => PolicyType = policyType;

    /// <summary>The policy struct type.</summary>
    public Type PolicyType { get; }
}

using System;
using System.Collections.Generic;

namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary>
/// What one policy contributes to the generated class: its fields, its statements per hook and its place in the order.
/// <see cref="ProtocolEmitter"/> only walks the parts (sorted by <see cref="Order"/>); it knows no policy by name.
/// Connection-lost statements run the order keys backwards (the last set up is the first torn down); policies with the
/// same key ([UsePolicy]) keep attribute order.
/// </summary>
internal abstract class PolicyPart
{
    protected static readonly string[] None = Array.Empty<string>();

    /// <summary>How the policy is named in the generated "policies run in this order" comment.</summary>
    public abstract string Name { get; }

    /// <summary>Place among the policies; lower runs first (admission, connection made, data) and is torn down last.</summary>
    public abstract int Order { get; }

    /// <summary>Static configuration and per-connection state fields.</summary>
    public virtual void WriteFields(CodeWriter writer) { }

    /// <summary>An interface the generated class implements (a marker the runtime checks at start-up), or null.</summary>
    public virtual string? Interface => null;

    /// <summary>An expression deciding admission (a <c>ConnectionAdmission</c>), or null.</summary>
    public virtual string? Admit => null;

    /// <summary>The admission may hand the connection to an overflow protocol (the decision is kept while later steps decide).</summary>
    public virtual bool CanOverflow => false;

    /// <summary>A statement giving back what <see cref="Admit"/> counted (safe to run twice or when nothing was counted), or null.</summary>
    public virtual string? Release => null;

    public virtual IReadOnlyList<string> ConnectionMade => None;

    /// <summary>Statements per received chunk; <c>data</c> is in scope.</summary>
    public virtual IReadOnlyList<string> DataReceived => None;

    /// <summary>Statements per written chunk (writer's thread); <c>data</c> is in scope.</summary>
    public virtual IReadOnlyList<string> DataWritten => None;

    /// <summary>Statements when bytes were handed to the network; <c>count</c> is in scope.</summary>
    public virtual IReadOnlyList<string> DataSent => None;

    /// <summary>Statements when the connection closes; <c>reason</c> is in scope. Each runs even if an earlier one threw.</summary>
    public virtual IReadOnlyList<string> ConnectionLost => None;

    /// <summary>Members besides the hooks (framing's DataReceived and SendMessage).</summary>
    public virtual void WriteMembers(CodeWriter writer) { }

    protected static void Field(CodeWriter writer, string declaration)
    {
        writer.Line(Literals.GeneratedCode);
        writer.Line(declaration);
    }
}

/// <summary>The order keys, in one place: the documented policy order (docs/policies.md).</summary>
internal static class PartOrder
{
    public const int PeerFilter = 0;
    public const int MaxConnections = 1;
    public const int LogTraffic = 2;
    public const int Throttle = 3;
    public const int MinDataRate = 4;
    public const int Timeout = 5;
    public const int Framing = 6;
    public const int UsePolicy = 7;
}

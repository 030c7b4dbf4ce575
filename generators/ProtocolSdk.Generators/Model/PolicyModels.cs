namespace ProtocolSdk.Generators.Model;

/// <summary>One policy attribute's checked values. Each policy spec (Policies/*Spec.cs) produces one kind; its emitter part writes it.</summary>
internal abstract record PolicyModel;

/// <summary><c>[Throttle]</c>; rates and burst in bytes (0 = unlimited / one second's worth); scope as its enum value; IPv6 peer prefix.</summary>
internal sealed record ThrottleModel(long ReadBytesPerSecond, long WriteBytesPerSecond, int Scope, long BurstBytes, int IPv6PrefixLength, string? ClusterName = null) : PolicyModel;

/// <summary><c>[Timeout]</c> as an exact tick count (at least one tick).</summary>
internal sealed record TimeoutModel(long Ticks) : PolicyModel;

/// <summary><c>[MaxConnections]</c> (0 = no limit of that kind); <paramref name="OverflowType"/> is a <c>global::</c>-qualified type name or null.</summary>
internal sealed record MaxConnectionsModel(int Total, int PerPeer, int IPv6PrefixLength, string? OverflowType, string? ClusterName = null) : PolicyModel;

/// <summary><c>[LogTraffic]</c>; level as its enum value.</summary>
internal sealed record LogTrafficModel(int LengthLimit, int Level) : PolicyModel;

/// <summary><c>[UsePolicy(typeof(T))]</c>: <paramref name="TypeName"/> is <c>global::</c>-qualified.</summary>
internal sealed record UsePolicyModel(string TypeName) : PolicyModel;

/// <summary><c>[LineFraming]</c>; <paramref name="Delimiter"/> holds characters 0..255 only (one byte each), or null for "\n" or "\r\n".</summary>
internal sealed record LineFramingModel(int MaxLength, string? Delimiter) : PolicyModel;

/// <summary><c>[LengthPrefixFraming]</c>; <paramref name="PrefixBytes"/> is 1, 2 or 4 and <paramref name="MaxLength"/> fits the prefix.</summary>
internal sealed record LengthPrefixFramingModel(int PrefixBytes, int MaxLength, bool BigEndian) : PolicyModel;

/// <summary><c>[PeerFilter]</c>: the CIDR entries as written (each already checked).</summary>
internal sealed record PeerFilterModel(EquatableArray<string> Allow, EquatableArray<string> Deny) : PolicyModel;

/// <summary><c>[MinDataRate]</c>; both values positive and finite.</summary>
internal sealed record MinDataRateModel(double BytesPerSecond, double GraceSeconds) : PolicyModel;

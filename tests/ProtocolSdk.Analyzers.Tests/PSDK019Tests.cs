using Verify = ProtocolSdk.Analyzers.Tests.AnalyzerVerifier<ProtocolSdk.Analyzers.Rules.PSDK019ClusterWidePerConnectionAnalyzer>;
using VerifyFix = ProtocolSdk.Analyzers.Tests.CodeFixVerifier<ProtocolSdk.Analyzers.Rules.PSDK019ClusterWidePerConnectionAnalyzer, ProtocolSdk.CodeFixes.ShareThrottlePerPeerCodeFixProvider>;

namespace ProtocolSdk.Analyzers.Tests;

/// <summary>PSDK019: ClusterWide on a per-connection throttle, and the fix that shares it per peer.</summary>
public class PSDK019Tests
{
    [Fact]
    public Task The_default_and_an_explicit_per_connection_scope_are_reported_on_ClusterWide() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [Throttle(ReadBytesPerSecond = 200_000, ClusterWide = {|#0:true|})]
        public sealed partial class Upload : Protocol { }
        [Throttle(ReadBytesPerSecond = 1000, Scope = ThrottleScope.PerConnection, ClusterWide = {|#1:true|})]
        public sealed partial class Explicit : Protocol { }
        """,
        Verify.Diagnostic("PSDK019").WithLocation(0).WithArguments("Upload"),
        Verify.Diagnostic("PSDK019").WithLocation(1).WithArguments("Explicit"));

    [Fact]
    public Task Shared_scopes_local_throttles_and_ClusterWide_connection_limits_are_not_reported() => Verify.VerifyAsync("""
        using ProtocolSdk;
        [Throttle(ReadBytesPerSecond = 1000, Scope = ThrottleScope.PerPeer, ClusterWide = true)]
        public sealed partial class PerPeer : Protocol { }
        [Throttle(WriteBytesPerSecond = 1000, Scope = ThrottleScope.AllConnections, ClusterWide = true)]
        public sealed partial class All : Protocol { }
        [Throttle(ReadBytesPerSecond = 1000, ClusterWide = false)]
        public sealed partial class Local : Protocol { }
        [MaxConnections(PerPeer = 4, ClusterWide = true)]
        public sealed partial class Limited : Protocol { }
        """);

    [Fact]
    public Task The_fix_adds_Scope_PerPeer() => VerifyFix.VerifyAsync(
        new[]
        {
            """
            using ProtocolSdk;
            [Throttle(ReadBytesPerSecond = 200_000, ClusterWide = {|#0:true|})]
            public sealed partial class Upload : Protocol { }
            """,
        },
        new[]
        {
            """
            using ProtocolSdk;
            [Throttle(ReadBytesPerSecond = 200_000, ClusterWide = true, Scope = ThrottleScope.PerPeer)]
            public sealed partial class Upload : Protocol { }
            """,
        },
        Verify.Diagnostic("PSDK019").WithLocation(0).WithArguments("Upload"));

    [Fact]
    public Task The_fix_replaces_an_explicit_per_connection_scope() => VerifyFix.VerifyAsync(
        new[]
        {
            """
            using ProtocolSdk;
            [Throttle(Scope = ThrottleScope.PerConnection, ReadBytesPerSecond = 1000, ClusterWide = {|#0:true|})]
            public sealed partial class Upload : Protocol { }
            """,
        },
        new[]
        {
            """
            using ProtocolSdk;
            [Throttle(Scope = ThrottleScope.PerPeer, ReadBytesPerSecond = 1000, ClusterWide = true)]
            public sealed partial class Upload : Protocol { }
            """,
        },
        Verify.Diagnostic("PSDK019").WithLocation(0).WithArguments("Upload"));
}

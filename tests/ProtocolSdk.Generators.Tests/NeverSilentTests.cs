using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Generators.Tests;

/// <summary>
/// The invariant of issue #10: for every class carrying a policy attribute, either an error diagnostic names the class
/// or its policy code is generated (and compiles). Enumerates argument values of every attribute (zeros, negatives,
/// NaN, infinities, huge values, out-of-range enums, empty strings and arrays, bad CIDRs) and class shapes (nested,
/// generic, nested in generic, inheritance chains). The generator and all analyzers run as the compiler runs them:
/// no CS8785 (generator crashed) and no AD0001 (analyzer crashed) either.
/// </summary>
public class NeverSilentTests
{
    private const string Helpers = """
        public struct GoodPolicy : IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        public struct GenericPolicy<T> : IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        public sealed class ClassPolicy : IConnectionPolicy
        {
            public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
            public void OnConnectionMade(Protocol protocol, Transport transport) { }
            public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
            public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
        }
        public struct NotAPolicy { }
        public sealed class Busy : Protocol { }
        public abstract class AbstractBusy : Protocol { }
        public sealed class NotAProtocol { }
        public sealed class NeedsArgs : Protocol { public NeedsArgs(int x) { _ = x; } }
        """;

    private const string Received = "public override void MessageReceived(ReadOnlySpan<byte> message) { }";

    private static readonly string[] Longs = ["0", "-1", "1", "long.MaxValue", "long.MinValue"];
    private static readonly string[] Ints = ["0", "-1", "1", "3", "int.MaxValue", "int.MinValue"];
    private static readonly string[] Prefixes = ["0", "1", "64", "128", "129", "-1", "int.MaxValue"];
    private static readonly string[] Doubles = ["0", "-0.0", "-1", "1e-300", "double.Epsilon", "1e-9", "0.001", "2.5", "31536000", "31536000.5", "1e300", "double.MaxValue", "double.NaN", "double.PositiveInfinity", "double.NegativeInfinity"];
    private static readonly string[] Cidrs = ["\"\"", "\" \"", "null!", "\"10.0.0.0/8\"", "\"10.0.0.1/8\"", "\"300.0.0.0/8\"", "\"::1/128\"", "\"::1/129\"", "\"fe80::/10\"", "\"10.0.0.0/-1\"", "\"localhost\"", "\"1.2.3.4\""];
    private static readonly string[] Delimiters = ["null", "\"\"", "\"\\n\"", "\"\\r\\n\"", "\"\\u0100\"", "\"\\0\"", "\"END\""];

    /// <summary>(why, attribute list, class body).</summary>
    public static IEnumerable<(string Attributes, string Body)> AttributeCases()
    {
        foreach (var value in Longs)
        {
            yield return ($"[Throttle(ReadBytesPerSecond = {value})]", "");
            yield return ($"[Throttle(WriteBytesPerSecond = {value})]", "");
            yield return ($"[Throttle(ReadBytesPerSecond = 10, BurstBytes = {value})]", "");
            yield return ($"[Throttle(ReadBytesPerSecond = {value}, WriteBytesPerSecond = {value})]", "");
        }
        foreach (var scope in new[] { "ThrottleScope.PerPeer", "ThrottleScope.AllConnections", "(ThrottleScope)3", "(ThrottleScope)(-1)" })
        {
            yield return ($"[Throttle(ReadBytesPerSecond = 10, Scope = {scope})]", "");
        }
        foreach (var prefix in Prefixes)
        {
            yield return ($"[Throttle(ReadBytesPerSecond = 10, Scope = ThrottleScope.PerPeer, IPv6PrefixLength = {prefix})]", "");
            yield return ($"[MaxConnections(PerPeer = 2, IPv6PrefixLength = {prefix})]", "");
        }
        yield return ("[Throttle]", "");
        foreach (var seconds in Doubles) yield return ($"[Timeout({seconds})]", "");
        yield return ("[Timeout(1)]", "");
        foreach (var total in Ints)
        {
            yield return ($"[MaxConnections(Total = {total})]", "");
            yield return ($"[MaxConnections(PerPeer = {total})]", "");
            foreach (var perPeer in Ints) yield return ($"[MaxConnections(Total = {total}, PerPeer = {perPeer})]", "");
        }
        yield return ("[MaxConnections]", "");
        foreach (var overflow in new[] { "typeof(Busy)", "typeof(AbstractBusy)", "typeof(NotAProtocol)", "typeof(NeedsArgs)", "typeof(Subject)", "null" })
        {
            yield return ($"[MaxConnections(Total = 2, Overflow = {overflow})]", "");
        }
        foreach (var length in Ints)
        {
            yield return ($"[LogTraffic(LengthLimit = {length})]", "");
        }
        foreach (var level in new[] { "LogLevel.Trace", "LogLevel.None", "(LogLevel)7", "(LogLevel)(-1)", "(LogLevel)int.MaxValue" })
        {
            yield return ($"[LogTraffic(Level = {level})]", "");
        }
        foreach (var rate in Doubles)
        {
            yield return ($"[MinDataRate(BytesPerSecond = {rate})]", "");
            yield return ($"[MinDataRate(BytesPerSecond = 100, GraceSeconds = {rate})]", "");
        }
        yield return ("[MinDataRate]", "");
        foreach (var cidr in Cidrs)
        {
            yield return ($"[PeerFilter(Allow = new string[] {{ {cidr} }})]", "");
            yield return ($"[PeerFilter(Deny = new string[] {{ \"10.0.0.0/8\", {cidr} }})]", "");
        }
        yield return ("[PeerFilter]", "");
        yield return ("[PeerFilter(Allow = new string[0], Deny = new string[0])]", "");
        yield return ("[PeerFilter(Allow = null!)]", "");
        foreach (var length in Ints)
        {
            yield return ($"[LineFraming(MaxLength = {length})]", Received);
            yield return ($"[LengthPrefixFraming(MaxLength = {length})]", Received);
        }
        foreach (var delimiter in Delimiters) yield return ($"[LineFraming(Delimiter = {delimiter})]", Received);
        foreach (var prefix in new[] { "-1", "0", "1", "2", "3", "4", "8" })
        {
            yield return ($"[LengthPrefixFraming(PrefixBytes = {prefix})]", Received);
            foreach (var length in new[] { "255", "256", "65535", "65536" }) yield return ($"[LengthPrefixFraming(PrefixBytes = {prefix}, MaxLength = {length}, BigEndian = false)]", Received);
        }
        yield return ("[LineFraming]", "");
        yield return ("[LineFraming]", "public override void ConnectionMade() => SendMessage(\"hi\"u8);");
        yield return ("[LengthPrefixFraming]", "public void Ping() => this.SendMessage(\"hi\"u8);");
        yield return ("[LineFraming]", Received + " public override void DataReceived(ReadOnlySpan<byte> data) { }");
        yield return ("[LineFraming]", Received + " protected void SendMessage(ReadOnlySpan<byte> message) { }");
        yield return ("[LineFraming]", Received + " public int SendMessage;");
        yield return ("[LineFraming, LengthPrefixFraming]", Received);
        foreach (var policy in new[] { "typeof(GoodPolicy)", "typeof(ClassPolicy)", "typeof(NotAPolicy)", "null!", "typeof(GenericPolicy<>)", "typeof(GenericPolicy<int>)", "typeof(int)", "typeof(IConnectionPolicy)" })
        {
            yield return ($"[UsePolicy({policy})]", "");
        }
        yield return ("[UsePolicy(typeof(GoodPolicy)), UsePolicy(typeof(GoodPolicy))]", "");
        yield return ("[Throttle(ReadBytesPerSecond = 1000), Timeout(30), MaxConnections(Total = 3, PerPeer = 0, Overflow = typeof(Busy)), LogTraffic, MinDataRate(BytesPerSecond = 1), PeerFilter(Deny = new[] { \"10.0.0.0/8\" }), LineFraming, UsePolicy(typeof(GoodPolicy))]", Received);
    }

    /// <summary>How the class carrying the attributes is declared; {0} = attributes, {1} = body. The class is always named Subject.</summary>
    private static readonly string[] Shapes =
    [
        "{0} public sealed partial class Subject : Protocol {{ {1} }}",
        "public partial class Outer {{ {0} public sealed partial class Subject : Protocol {{ {1} }} }}",
        "public partial class Outer<T> {{ {0} public sealed partial class Subject : Protocol {{ {1} }} }}",
        "{0} public sealed partial class Subject<T> : Protocol {{ {1} }}",
        "{0} public sealed class Subject : Protocol {{ {1} }}",
        "{0} public abstract partial class Subject : Protocol {{ {1} }}",
        "{0} public sealed partial class Subject {{ {1} }}",
    ];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var (attributes, body) in AttributeCases())
        {
            data.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, Shapes[0], attributes, body));
        }
        // Every shape, with a few attribute forms each (the value checks do not depend on the shape).
        foreach (var shape in Shapes.Skip(1))
        {
            foreach (var (attributes, body) in new[] { ("[Timeout(2)]", ""), ("[MaxConnections(Total = 0, PerPeer = 2)]", ""), ("[LineFraming]", Received), ("[LogTraffic(Level = (LogLevel)7)]", "") })
            {
                data.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, attributes, body));
            }
        }
        return data;
    }

    /// <summary>Inheritance chains: every class in the chain must be generated or named by an error.</summary>
    public static TheoryData<string> Chains() => new()
    {
        "[Timeout(2)] public partial class BaseSubject : Protocol { } [MaxConnections(Total = 3)] public sealed partial class Subject : BaseSubject { }",
        "[Timeout(2)] public partial class BaseSubject : Protocol { } [Timeout(3)] public sealed partial class Subject : BaseSubject { }",
        "[LineFraming] public partial class BaseSubject : Protocol { " + Received + " } [LengthPrefixFraming] public sealed partial class Subject : BaseSubject { }",
        "[LineFraming] public partial class BaseSubject : Protocol { " + Received + " } [Timeout(1), LogTraffic] public sealed partial class Subject : BaseSubject { }",
        "[UsePolicy(typeof(GoodPolicy))] public partial class BaseSubject : Protocol { } [UsePolicy(typeof(GoodPolicy))] public sealed partial class Subject : BaseSubject { }",
        "[MaxConnections(PerPeer = 1), PeerFilter] public partial class BaseSubject : Protocol { } public partial class Middle : BaseSubject { } [MaxConnections(Total = 3)] public sealed partial class Subject : Middle { }",
        "[MaxConnections(Total = 1, Overflow = typeof(Busy))] public partial class BaseSubject : Protocol { } [UsePolicy(typeof(GoodPolicy)), Throttle(WriteBytesPerSecond = 5)] public sealed partial class Subject : BaseSubject { }",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Every_class_with_a_policy_attribute_is_generated_or_named_by_an_error(string declaration) => AssertNeverSilent(declaration, "Subject");

    [Theory]
    [MemberData(nameof(Chains))]
    public Task Every_class_of_an_inheritance_chain_is_generated_or_named_by_an_error(string declaration) => AssertNeverSilent(declaration, "Subject", "BaseSubject");

    [Theory]
    [InlineData("[MaxConnections(Total = 3, PerPeer = 0)]")]
    [InlineData("[MaxConnections(Total = 0, PerPeer = 2)]")]
    [InlineData("[Timeout(0.000000001)]")]
    [InlineData("[LineFraming(Delimiter = null)]")]
    public async Task Documented_valid_forms_are_generated_without_any_error(string attributes)
    {
        var outcome = await Run(attributes + " public sealed partial class Subject : Protocol { " + Received + " }");
        Assert.Contains(outcome.Generated, hint => hint == "App.Subject.Policies.g.cs");
        Assert.DoesNotContain(outcome.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Theory]
    [InlineData("[LogTraffic(Level = (LogLevel)7)]", "PSDK003")]
    [InlineData("[LogTraffic(Level = (LogLevel)(-1))]", "PSDK003")]
    [InlineData("[Throttle(ReadBytesPerSecond = 1, Scope = (ThrottleScope)3)]", "PSDK003")]
    [InlineData("[MinDataRate(BytesPerSecond = 1, GraceSeconds = 1e300)]", "PSDK016")]
    [InlineData("[LineFraming(Delimiter = \"\")]", "PSDK016")]
    public async Task Out_of_range_values_are_errors_naming_the_class(string attributes, string id)
    {
        var outcome = await Run(attributes + " public sealed partial class Subject : Protocol { " + Received + " }");
        Assert.Empty(outcome.Generated);
        Assert.Contains(outcome.Diagnostics, d => d.Id == id && d.Severity == DiagnosticSeverity.Error && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("'Subject'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tiny_timeout_is_rounded_up_to_one_tick()
    {
        var outcome = await Run("[Timeout(1e-300)] public sealed partial class Subject : Protocol { }");
        Assert.Contains("global::System.TimeSpan.FromTicks(1L)", Assert.Single(outcome.Sources), StringComparison.Ordinal);
    }

    private static async Task AssertNeverSilent(string declaration, params string[] classes)
    {
        var outcome = await Run(declaration);
        Assert.DoesNotContain(outcome.Diagnostics, d => d.Id is "CS8785" or "AD0001");
        foreach (var cls in classes)
        {
            if (!declaration.Contains("class " + cls, StringComparison.Ordinal)) continue;
            bool generated = outcome.Generated.Any(hint => hint.EndsWith("." + cls + ".Policies.g.cs", StringComparison.Ordinal));
            bool named = outcome.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("PSDK", StringComparison.Ordinal) &&
                d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(cls, StringComparison.Ordinal));
            Assert.True(generated || named, $"'{cls}' was neither generated nor named by an error in:\n{declaration}\nDiagnostics:\n{string.Join("\n", outcome.Diagnostics)}");
            if (generated && !named)
            {
                // Generated code must be working code: no compiler error anywhere in the output.
                var errors = outcome.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                Assert.True(errors.Count == 0, $"'{cls}' was generated but the build has errors:\n{string.Join("\n", errors)}\nin:\n{declaration}");
            }
        }
    }

    private sealed record Outcome(List<string> Generated, List<string> Sources, ImmutableArray<Diagnostic> Diagnostics);

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(ProtocolSdk.Analyzers.DiagnosticDescriptors).Assembly.GetTypes()
        .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type))
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToImmutableArray();

    private static async Task<Outcome> Run(string declaration)
    {
        var source = SnapshotTests.Usings + "using Microsoft.Extensions.Logging;\nnamespace App;\n" + declaration + "\n" + Helpers;
        var compilation = GeneratorHarness.Compilation(source);
        var driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        var diagnostics = await output.WithAnalyzers(Analyzers).GetAllDiagnosticsAsync();
        return new Outcome(
            result.GeneratedSources.Select(s => s.HintName).ToList(),
            result.GeneratedSources.Select(s => s.SourceText.ToString()).ToList(),
            generatorDiagnostics.AddRange(diagnostics));
    }
}

using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK009: a <c>[Throttle]</c> write limit that lets buffered output grow far past the transport's 64 KiB
/// high-water mark. Writes are never dropped, so what the write bucket holds back stays in memory:
/// <list type="bullet">
/// <item>WriteBytesPerSecond between 1 and 63: draining one high-water mark takes more than 1024 s (17 min), so
/// every connection that writes keeps at least 64 KiB buffered for that long, and writes from other threads (a chat
/// broadcast) pile up unboundedly.</item>
/// <item>BurstBytes above 64 MiB (with a write limit): the bucket admits 1024 high-water marks at once, so the
/// throttle bounds neither the bytes a connection sends at full speed nor, with a shared Scope, the bytes
/// buffered behind it.</item>
/// </list>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK009UnboundedBufferingAnalyzer : ProtocolTypeAnalyzer
{
    /// <summary>Transport.DefaultHighWaterMark.</summary>
    internal const long HighWaterMark = 64 * 1024;

    /// <summary>Below this write rate one high-water mark takes more than 1024 s to drain.</summary>
    internal const long MinWriteBytesPerSecond = 64;

    /// <summary>1024 high-water marks.</summary>
    internal const long MaxBurstBytes = 64L * 1024 * 1024;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK009_UnboundedBuffering);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.Throttle is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        // The Throttle spec's reading (shared with the generator): invalid values are PSDK003's business.
        var model = PolicyProblems.Model<ThrottleModel>(type, symbols, out var attribute);
        if (model is null || attribute is null) return;
        long write = model.WriteBytesPerSecond;
        if (write <= 0) return; // no write limit
        long burst = model.BurstBytes;
        string typeName = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

        if (write < MinWriteBytesPerSecond)
        {
            double seconds = (double)HighWaterMark / write;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.PSDK009_UnboundedBuffering,
                ProtocolSdkSymbols.ArgumentLocation(attribute, type, "WriteBytesPerSecond"),
                typeName,
                "WriteBytesPerSecond = " + write.ToString(CultureInfo.InvariantCulture) + " needs " + seconds.ToString("0", CultureInfo.InvariantCulture) +
                " s to drain the 64 KiB high-water mark; output written meanwhile stays buffered, so use at least 64 B/s"));
        }
        if (burst > MaxBurstBytes)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.PSDK009_UnboundedBuffering,
                ProtocolSdkSymbols.ArgumentLocation(attribute, type, "BurstBytes"),
                typeName,
                "BurstBytes = " + burst.ToString(CultureInfo.InvariantCulture) + " is larger than 64 MiB (1024 high-water marks), so the write limit bounds neither bursts nor buffered output; use a burst of at most 64 MiB"));
        }
    }
}

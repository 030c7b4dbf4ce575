using System;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK010: <c>[Timeout(t)]</c> shorter than BurstBytes / ReadBytesPerSecond of the <c>[Throttle]</c> on the same class
/// (BurstBytes 0 = one second's worth, so the time is then 1 s). A connection that used its burst is paused by its
/// own read throttle for up to that long while the idle timeout keeps running.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK010TimeoutShorterThanThrottleAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK010_TimeoutShorterThanThrottle);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.Throttle is not null && symbols.Timeout is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        var timeout = symbols.Find(type, symbols.Timeout);
        var throttle = symbols.Find(type, symbols.Throttle);
        if (timeout is null || throttle is null || ProtocolSdkSymbols.HasErrors(timeout) || ProtocolSdkSymbols.HasErrors(throttle)) return;
        if (timeout.ConstructorArguments.Length != 1 || timeout.ConstructorArguments[0].Value is null) return;

        double seconds = Convert.ToDouble(timeout.ConstructorArguments[0].Value, CultureInfo.InvariantCulture);
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || seconds <= 0) return; // PSDK003
        long read = ProtocolSdkSymbols.NamedInteger(throttle, "ReadBytesPerSecond") ?? 0;
        long burst = ProtocolSdkSymbols.NamedInteger(throttle, "BurstBytes") ?? 0;
        if (read <= 0 || burst < 0) return;
        long effectiveBurst = burst == 0 ? read : burst;
        double needed = (double)effectiveBurst / read;
        if (seconds >= needed) return;

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK010_TimeoutShorterThanThrottle,
            ProtocolSdkSymbols.ArgumentLocation(timeout, type, "seconds", 0),
            seconds.ToString("R", CultureInfo.InvariantCulture),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            needed.ToString("0.###", CultureInfo.InvariantCulture),
            read.ToString(CultureInfo.InvariantCulture),
            effectiveBurst.ToString(CultureInfo.InvariantCulture)));
    }
}

namespace ProtocolSdk.Generators;

internal static class GeneratorInfo
{
    /// <summary>Written into <c>[GeneratedCode]</c>; a constant (not the assembly version) so output is stable across builds.</summary>
    public const string Version = "0.1.0";
}

// Polyfill: records and init accessors need this type, which netstandard2.0 lacks.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }
}
